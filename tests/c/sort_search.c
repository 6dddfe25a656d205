#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    int v[1000];
    unsigned s = 7;
    for (int i = 0; i < 1000; i++) { s = s * 1664525u + 1013904223u; v[i] = (int)(s % 100000) - 50000; }
    qsort(v, 1000, sizeof v[0], cmp_int);
    int sorted = 1;
    for (int i = 1; i < 1000; i++) sorted &= v[i - 1] <= v[i];
    printf("sorted=%d min=%d max=%d median=%d\n", sorted, v[0], v[999], v[500]);
    int key = v[321];
    int *hit = bsearch(&key, v, 1000, sizeof v[0], cmp_int);
    int miss = 1000000;
    printf("found=%d value=%d missing=%s\n", hit != NULL, hit ? *hit : 0, bsearch(&miss, v, 1000, sizeof v[0], cmp_int) ? "found" : "null");
    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape"};
    qsort(words, 8, sizeof words[0], cmp_str);
    for (int i = 0; i < 8; i++) printf("%s%c", words[i], i == 7 ? '\n' : ' ');
    const char *k = "date";
    const char **w = bsearch(&k, words, 8, sizeof words[0], cmp_str);
    printf("date at %d\n", w ? (int)(w - words) : -1);
    return 0;
}

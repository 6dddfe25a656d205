#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

int main(void) {
    char buf[64];
    strcpy(buf, "hello");
    strcat(buf, ", world");
    printf("%s len=%zu\n", buf, strlen(buf));
    printf("cmp %d %d %d ncmp %d casecmp %d\n", strcmp("a", "b") < 0, strcmp("b", "a") > 0, strcmp("x", "x"), strncmp("abcd", "abcf", 3), strcasecmp("HeLLo", "hello"));
    printf("chr %s rchr %s str %s pbrk %s\n", strchr(buf, 'o'), strrchr(buf, 'o'), strstr(buf, "wor"), strpbrk(buf, ",w"));
    printf("spn %zu cspn %zu\n", strspn("aaabc", "a"), strcspn("hello world", " "));
    char tok[] = "a,b,,c;d";
    for (char *t = strtok(tok, ",;"); t; t = strtok(NULL, ",;")) printf("[%s]", t);
    printf("\n");
    char m[32] = "0123456789";
    memmove(m + 2, m, 8);
    printf("memmove %s\n", m);
    memset(m, 'x', 3);
    printf("memset %.10s memcmp %d\n", m, memcmp("abc", "abd", 3) < 0);
    char *d = strdup("duplicate");
    printf("strdup %s %zu\n", d, strlen(d));
    free(d);
    char n[8];
    strncpy(n, "ab", sizeof n);
    printf("strncpy %s pad=%d\n", n, n[7] == 0);
    unsigned long classes[8] = {0};
    for (int c = 0; c < 128; c++) {
        classes[0] += isalpha(c) ? c : 0; classes[1] += isdigit(c) ? c : 0;
        classes[2] += isspace(c) ? c : 0; classes[3] += ispunct(c) ? c : 0;
        classes[4] += isupper(c) ? c : 0; classes[5] += isxdigit(c) ? c : 0;
        classes[6] += isprint(c) ? c : 0; classes[7] += iscntrl(c) ? c : 0;
    }
    for (int i = 0; i < 8; i++) printf("%lu ", classes[i]);
    printf("\nupper %c lower %c\n", toupper('q'), tolower('Q'));
    printf("strerror-len>0 %d\n", strlen(strerror(2)) > 0);
    return 0;
}

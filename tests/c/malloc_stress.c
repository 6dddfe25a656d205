#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint32_t rng = 12345;
static uint32_t next(void) { rng = rng * 1103515245u + 12345u; return rng >> 8; }

int main(void) {
    enum { N = 2000 };
    static unsigned char *p[N];
    static size_t sz[N];
    uint64_t sum = 0;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++) {
            size_t want = (next() % 7 == 0) ? next() % 200000 : next() % 300;
            unsigned char *q = realloc(p[i], want + 1);
            if (!q) { printf("realloc failed\n"); return 1; }
            size_t keep = sz[i] < want + 1 ? sz[i] : want + 1;
            for (size_t j = 0; j < keep; j++)
                if (q[j] != (unsigned char)(i + j)) { printf("corrupt %d %zu\n", i, j); return 1; }
            for (size_t j = keep; j < want + 1; j++) q[j] = (unsigned char)(i + j);
            p[i] = q; sz[i] = want + 1;
            if (next() % 5 == 0) { free(p[i]); p[i] = NULL; sz[i] = 0; }
        }
    }
    for (int i = 0; i < N; i++) { for (size_t j = 0; j < sz[i]; j++) sum += p[i][j]; free(p[i]); }
    int *z = calloc(100000, sizeof(int));
    int nonzero = 0;
    for (int i = 0; i < 100000; i++) nonzero += z[i] != 0;
    free(z);
    char *big = malloc(64 << 20);
    memset(big, 7, 64 << 20);
    long bsum = 0;
    for (int i = 0; i < (64 << 20); i += 4096) bsum += big[i];
    free(big);
    printf("checksum %llu calloc-nonzero %d big %ld\n", (unsigned long long)sum, nonzero, bsum);
    return 0;
}

/* CPU-bound: a sieve, a hash loop and a small matrix product; prints ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

int main(void) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    enum { N = 20000000 };
    unsigned char *sieve = calloc(N, 1);
    long primes = 0;
    for (long i = 2; i < N; i++) {
        if (!sieve[i]) { primes++; for (long j = i * 2; j < N; j += i) sieve[j] = 1; }
    }
    free(sieve);
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < 100000000u; i++) { h ^= i; h *= 1099511628211ULL; }
    enum { M = 200 };
    static double x[M][M], y[M][M], z[M][M];
    for (int i = 0; i < M; i++) for (int j = 0; j < M; j++) { x[i][j] = i + j; y[i][j] = i - j; }
    for (int i = 0; i < M; i++) for (int k = 0; k < M; k++) for (int j = 0; j < M; j++) z[i][j] += x[i][k] * y[k][j];
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
    printf("%.2f %ld %llu %.0f\n", ms, primes, (unsigned long long)h, z[M - 1][M - 1]);
    return 0;
}

/* µs per execve of the same (cached) binary: argv[1] counts down, argv[2]
   carries the start time; the last exec prints the average. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }

int main(int argc, char **argv) {
    int total = argc > 3 ? atoi(argv[3]) : 100;
    int left = argc > 1 ? atoi(argv[1]) : total;
    double start = argc > 2 ? atof(argv[2]) : now_us();
    if (left == 0) { printf("%.1f\n", (now_us() - start) / total); return 0; }
    char l[16], s[32], t[16];
    snprintf(l, sizeof l, "%d", left - 1);
    snprintf(s, sizeof s, "%.0f", start);
    snprintf(t, sizeof t, "%d", total);
    execv(argv[0], (char *[]){argv[0], l, s, t, NULL});
    perror("execv");
    return 1;
}

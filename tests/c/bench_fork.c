/* µs per fork + child _exit + waitpid, with a 16 MiB heap in the parent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 50;
    char *heap = malloc(16 << 20);
    memset(heap, 1, 16 << 20);
    double t0 = now_us();
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) _exit(heap[i] == 1 ? 0 : 1);
        int st;
        if (p < 0 || waitpid(p, &st, 0) != p || st != 0) { printf("fork failed\n"); return 1; }
    }
    printf("%.1f\n", (now_us() - t0) / n);
    return 0;
}

/* MB/s through a pipe: the parent writes 256 MiB in 64 KiB writes, a
   forked child reads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    enum { CHUNK = 64 << 10, TOTAL = 256 << 20 };
    static char buf[CHUNK];
    int fds[2];
    if (pipe(fds)) return 1;
    pid_t p = fork();
    if (p == 0) {
        close(fds[1]);
        long got = 0;
        ssize_t n;
        while ((n = read(fds[0], buf, sizeof buf)) > 0) got += n;
        _exit(got == TOTAL ? 0 : 1);
    }
    close(fds[0]);
    memset(buf, 'p', sizeof buf);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long done = 0; done < TOTAL; done += CHUNK)
        if (write(fds[1], buf, CHUNK) != CHUNK) return 1;
    close(fds[1]);
    int st;
    waitpid(p, &st, 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.1f %d\n", TOTAL / s / 1e6, st);
    return 0;
}

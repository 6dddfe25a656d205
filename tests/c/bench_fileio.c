/* ns per 4 KiB write and read of a 32 MiB file in argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }

int main(int argc, char **argv) {
    char path[512];
    snprintf(path, sizeof path, "%s/bench.dat", argc > 1 ? argv[1] : "/tmp");
    static char buf[4096];
    memset(buf, 'x', sizeof buf);
    const int n = 8192;
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0) { perror(path); return 1; }
    double t0 = now();
    for (int i = 0; i < n; i++) if (write(fd, buf, sizeof buf) != sizeof buf) return 1;
    double t1 = now();
    lseek(fd, 0, SEEK_SET);
    long sum = 0;
    for (int i = 0; i < n; i++) { if (read(fd, buf, sizeof buf) != sizeof buf) return 1; sum += buf[i % 4096]; }
    double t2 = now();
    close(fd);
    unlink(path);
    printf("%.1f %.1f %ld\n", (t1 - t0) / n, (t2 - t1) / n, sum);
    return 0;
}

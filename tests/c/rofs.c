/* Writes into a read-only mount (argv[1]) must fail with EROFS; reads work. */
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "errname.h"

int main(int argc, char **argv) {
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/existing.txt", argv[1]);
    snprintf(q, sizeof q, "%s/new.txt", argv[1]);
    char buf[32] = {0};
    int fd = open(p, O_RDONLY);
    CHECK(read(fd, buf, sizeof buf - 1));
    printf("content [%s]\n", buf);
    close(fd);
    CHECK(open(q, O_CREAT | O_WRONLY, 0644));
    CHECK(open(p, O_WRONLY));
    CHECK(open(p, O_RDWR | O_TRUNC));
    CHECK(unlink(p));
    CHECK(mkdir(q, 0755));
    CHECK(rename(p, q));
    CHECK(chmod(p, 0600));
    CHECK(access(p, W_OK));
    CHECK(access(p, R_OK));
    return 0;
}

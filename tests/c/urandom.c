#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/random.h>

int main(void) {
    unsigned char a[64], b[64];
    int fd = open("/dev/urandom", O_RDONLY);
    ssize_t n = read(fd, a, sizeof a);
    close(fd);
    ssize_t m = getrandom(b, sizeof b, 0);
    int zeros = 0, same = 0;
    for (int i = 0; i < 64; i++) { zeros += a[i] == 0; same += a[i] == b[i]; }
    printf("read %zd getrandom %zd mostly-nonzero %d differ %d\n", n, m, zeros < 8, same < 8);
    fd = open("/dev/zero", O_RDONLY);
    n = read(fd, a, 16);
    int allzero = 1;
    for (int i = 0; i < 16; i++) allzero &= a[i] == 0;
    printf("zero %zd %d\n", n, allzero);
    close(fd);
    fd = open("/dev/null", O_RDWR);
    printf("null write %zd read %zd\n", write(fd, "abc", 3), read(fd, a, 10));
    close(fd);
    return 0;
}

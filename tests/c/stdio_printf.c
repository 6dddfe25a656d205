#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdint.h>
#include <inttypes.h>
#include <stddef.h>
#include <sys/types.h>

int main(void) {
    printf("int %d %i %5d|%-5d|%05d %+d\n", 42, -7, 3, 3, 3, 9);
    printf("limits %d %d %u %lld %llu\n", INT_MAX, INT_MIN, UINT_MAX, LLONG_MAX, ULLONG_MAX);
    printf("hex %x %X %#x %o %#o\n", 255, 255, 255, 8, 8);
    printf("int64 %" PRId64 " %" PRIu64 " %" PRIx64 "\n", (int64_t)-1234567890123LL, (uint64_t)18000000000000000000ULL, (uint64_t)0xdeadbeefcafeULL);
    printf("size %zu %zd ptrdiff %td\n", sizeof(long long), (ssize_t)-5, (ptrdiff_t)12);
    printf("float %f %.2f %e %.3e %g %g %g\n", 3.14159, 2.5, 12345.678, 0.000123, 1e-5, 123456789.0, 0.5);
    printf("special %f %f %f\n", 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0 > 0 ? 1.0 : -0.0);
    printf("str [%s] [%10s] [%-10s] [%.3s] %c%c\n", "hello", "right", "left", "truncate", 'o', 'k');
    printf("percent 100%%\n");
    char buf[64];
    int n = snprintf(buf, 8, "%s", "overflowing");
    printf("snprintf %d [%s]\n", n, buf);
    int a; double d; char w[16];
    int got = sscanf("17 2.75 word", "%d %lf %15s", &a, &d, w);
    printf("sscanf %d %d %.2f %s\n", got, a, d, w);
    printf("strtol %ld %ld %lu\n", strtol("-0x1f", NULL, 16), strtol("0777", NULL, 0), strtoul("4294967295", NULL, 10));
    char *end;
    double v = strtod("6.02e23xyz", &end);
    printf("strtod %.3g rest=%s\n", v, end);
    printf("atoi %d atof %.1f\n", atoi("  -12abc"), atof("3.5"));
    fputs("to stderr\n", stderr);
    puts("puts line");
    fprintf(stdout, "%s=%d\n", "fprintf", 1);
    fflush(stdout);
    return 0;
}

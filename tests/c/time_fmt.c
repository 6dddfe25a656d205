#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/time.h>

int main(void) {
    time_t t = 1700000000;
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[128];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %b %j %u %w", &tm);
    printf("gmtime %s\n", buf);
    strftime(buf, sizeof buf, "%A %B %d %y %p %I %%", &tm);
    printf("strftime %s\n", buf);
    tm.tm_mday += 40;
    tm.tm_isdst = 0;
    time_t t2 = timegm(&tm);
    printf("timegm %lld diff %.0f\n", (long long)t2, difftime(t2, t));
    struct tm *y2038 = gmtime(&(time_t){4102444800LL});
    printf("y2100 %d-%02d-%02d\n", y2038->tm_year + 1900, y2038->tm_mon + 1, y2038->tm_mday);
    printf("sizeof time_t %zu\n", sizeof(time_t));
    struct timespec a, b, req = {0, 20 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    nanosleep(&req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("slept>=20ms %d\n", ms >= 20);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t now = time(NULL);
    printf("time sane %d\n", now > 1700000000 && (tv.tv_sec - now) <= 1);
    return 0;
}

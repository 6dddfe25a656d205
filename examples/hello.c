/* A first wasmos program: arguments, environment, a file, the clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct utsname u;
    uname(&u);
    printf("Hello from %s on %s (%s), pid %d\n", argv[0], u.sysname, u.machine, getpid());
    for (int i = 1; i < argc; i++) printf("  argv[%d] = %s\n", i, argv[i]);

    FILE *f = fopen("/tmp/greeting.txt", "w+");
    fprintf(f, "written at %ld\n", (long)time(NULL));
    rewind(f);
    char line[128];
    if (fgets(line, sizeof line, f)) printf("  /tmp/greeting.txt: %s", line);
    fclose(f);

    FILE *src = fopen("/examples/hello.c", "r");
    if (src) {
        fgets(line, sizeof line, src);
        printf("  first line of my source: %s", line);
        fclose(src);
    }
    return 0;
}

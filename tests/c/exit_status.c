#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

static void bye1(void) { printf("atexit 1\n"); }
static void bye2(void) { printf("atexit 2\n"); }

int main(int argc, char **argv) {
    atexit(bye1);
    atexit(bye2);
    const char *mode = argc > 1 ? argv[1] : "return";
    printf("mode %s\n", mode);
    if (!strcmp(mode, "exit")) exit(atoi(argv[2]));
    if (!strcmp(mode, "_exit")) { fflush(stdout); _Exit(atoi(argv[2])); }
    if (!strcmp(mode, "abort")) { fflush(stdout); abort(); }
    if (!strcmp(mode, "raise")) { fflush(stdout); raise(SIGTERM); }
    if (!strcmp(mode, "trap")) { fflush(stdout); __builtin_trap(); }
    return argc > 2 ? atoi(argv[2]) : 0;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]=[%s]\n", i, argv[i]);
    printf("argv[argc]=%s\n", argv[argc] ? "non-null" : "null");
    const char *g = getenv("GREETING");
    printf("GREETING=%s\n", g ? g : "(unset)");
    printf("MISSING=%s\n", getenv("MISSING_VAR") ? "set" : "(unset)");
    setenv("NEWVAR", "new", 1);
    setenv("GREETING", "ignored", 0);
    printf("NEWVAR=%s GREETING=%s\n", getenv("NEWVAR"), getenv("GREETING"));
    unsetenv("NEWVAR");
    printf("after unset %s\n", getenv("NEWVAR") ? "set" : "(unset)");
    int n = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "WASMOS_T_", 9) == 0) { printf("env %s\n", *e); n++; }
    printf("count %d\n", n);
    return 0;
}

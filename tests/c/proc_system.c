/* system() and popen(), which musl builds on posix_spawn of /bin/sh. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

int main(void) {
	setvbuf(stdout, 0, _IONBF, 0);
	int st = system("exit 5");
	printf("system: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
	FILE *f = popen("echo from sh; echo second line", "r");
	char line[128];
	while (fgets(line, sizeof line, f)) printf("popen r: %s", line);
	st = pclose(f);
	printf("pclose: %d\n", WEXITSTATUS(st));
	FILE *w = popen("read x; echo \"got $x\" > /tmp/x", "w");
	fputs("hello\n", w);
	st = pclose(w);
	f = fopen("/tmp/x", "r");
	if (f && fgets(line, sizeof line, f)) printf("popen w: %s", line);
	printf("pclose: %d\n", WEXITSTATUS(st));
	return 0;
}

/* The child side of the process-model tests: what it does is argv[1]. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp) {
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "echo")) {
		for (int i = 2; i < argc; i++) printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
		return 0;
	}
	if (!strcmp(what, "exit")) return atoi(argv[2]);
	if (!strcmp(what, "env")) {
		for (char **e = envp; *e; e++) printf("env %s\n", *e);
		return 0;
	}
	if (!strcmp(what, "fds")) {
		/* which of fds 0..9 are open */
		for (int fd = 0; fd < 10; fd++) printf("%c", fcntl(fd, F_GETFD) >= 0 ? 'o' : '-');
		printf("\n");
		return 0;
	}
	if (!strcmp(what, "cat")) {
		char buf[256];
		ssize_t n;
		while ((n = read(0, buf, sizeof buf)) > 0) write(1, buf, n);
		return 0;
	}
	if (!strcmp(what, "spin")) {
		/* CPU-bound, no syscalls */
		volatile unsigned long x = 0;
		for (;;) x++;
	}
	if (!strcmp(what, "pause")) {
		pause();
		return 0;
	}
	if (!strcmp(what, "ppid")) {
		printf("ppid=%d\n", getppid() > 0);
		return 0;
	}
	fprintf(stderr, "proc_child: unknown mode %s\n", what);
	return 2;
}

/* fork on the host engine: pipes shared across fork, exit statuses, locals
 * kept through a deep recursion and an indirect call, vfork, fork + exec.
 * argv[1] is the program to exec (proc_child). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, pid_t pid) {
	int st;
	pid_t r = waitpid(pid, &st, 0);
	if (r != pid) printf("%s: waitpid -> %d errno %d\n", what, r, errno);
	else if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st)) printf("%s: killed by %d\n", what, WTERMSIG(st));
	else printf("%s: status %#x\n", what, st);
}

static int counter = 100; /* a data-segment global: copied with memory */

/* Recurses `depth` times, then forks; every level checks its own locals
 * on the way back out, on both sides. Returns the sum of the levels'
 * checks (0 when all are intact). */
__attribute__((noinline)) static int deep(int depth, long long acc, double f, pid_t *out) {
	char local[32];
	snprintf(local, sizeof local, "level-%d", depth);
	int bad;
	if (depth == 0) {
		*out = fork();
		bad = 0;
	} else {
		bad = deep(depth - 1, acc * 3 + depth, f * 1.5, out);
	}
	char want[32];
	snprintf(want, sizeof want, "level-%d", depth);
	if (strcmp(local, want) != 0) bad++;
	if (f != f) bad++;
	(void)acc;
	return bad;
}

__attribute__((noinline)) static pid_t via_pointer(pid_t (*fn)(void), int *x) {
	int before = *x + 1;
	pid_t p = fn();
	*x = before * 2;
	return p;
}

static pid_t (*volatile forker)(void) = fork;

int main(int argc, char **argv) {
	setvbuf(stdout, 0, _IONBF, 0);

	/* 1. both sides write to one pipe; the parent reads both and waits */
	int fds[2];
	if (pipe(fds)) return 1;
	pid_t pid = fork();
	if (pid < 0) {
		printf("fork failed: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		counter++;
		char msg[64];
		int n = snprintf(msg, sizeof msg, "child says counter=%d\n", counter);
		write(fds[1], msg, n);
		_exit(3);
	}
	close(fds[1]);
	char buf[256];
	int got = 0, n;
	while ((n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0) got += n;
	buf[got] = 0;
	printf("pipe: %s", buf);
	printf("parent counter=%d child pid>1: %d\n", counter, pid > 1);
	report("child", pid);

	/* 2. deep recursion */
	pid_t p2;
	int bad = deep(200, 1, 1.0, &p2);
	if (p2 == 0) _exit(bad == 0 ? 10 : 11);
	printf("deep parent bad=%d\n", bad);
	report("deep", p2);

	/* 3. through a function pointer */
	int x = 20;
	pid_t p3 = via_pointer(forker, &x);
	if (p3 == 0) _exit(x == 42 ? 12 : 13);
	printf("pointer parent x=%d\n", x);
	report("pointer", p3);

	/* 4. vfork + exec of another program */
	pid_t p4 = vfork();
	if (p4 == 0) {
		char *args[] = {argv[1], "echo", "exec'd", "from", "a", "fork", 0};
		execv(argv[1], args);
		_exit(127);
	}
	report("exec", p4);

	/* 5. exit codes and a killed child, several at once */
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			if (i == 2) {
				pause();
			}
			exit(20 + i);
		}
	}
	kill(kids[2], 9);
	for (int i = 0; i < 3; i++) {
		char what[16];
		snprintf(what, sizeof what, "kid %d", i);
		report(what, kids[i]);
	}
	return 0;
}

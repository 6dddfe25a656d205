/* posix_spawn and friends. argv[1] is the child program (proc_child). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static const char *child;
static volatile sig_atomic_t chld_hits;

static void on_chld(int sig) { (void)sig; chld_hits++; }

static pid_t spawn(posix_spawn_file_actions_t *fa, char **args) {
	pid_t pid;
	int r = posix_spawn(&pid, child, fa, 0, args, environ);
	if (r) {
		printf("posix_spawn failed: %s\n", strerror(r));
		exit(1);
	}
	return pid;
}

static void report(const char *what, pid_t pid) {
	int st;
	pid_t r = waitpid(pid, &st, 0);
	if (r != pid) printf("%s: waitpid -> %d\n", what, r);
	else if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st)) printf("%s: killed by %d\n", what, WTERMSIG(st));
	else printf("%s: status %#x\n", what, st);
}

int main(int argc, char **argv) {
	setvbuf(stdout, 0, _IONBF, 0);
	child = argv[1];

	/* a child writing to a pipe the parent reads */
	int p[2];
	pipe(p);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	pid_t pid = spawn(&fa, (char *[]){"proc_child", "echo", "hello", "through a pipe", 0});
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	char buf[128];
	ssize_t n, got = 0;
	while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0) got += n;
	buf[got] = 0;
	close(p[0]);
	printf("pipe: %s", buf);
	report("echo", pid);

	/* exit codes */
	report("exit 7", spawn(0, (char *[]){"proc_child", "exit", "7", 0}));

	/* open a file onto stdout */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/tmp/spawned.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	report("to file", spawn(&fa, (char *[]){"proc_child", "echo", "in a file", 0}));
	posix_spawn_file_actions_destroy(&fa);
	FILE *f = fopen("/tmp/spawned.txt", "r");
	if (f && fgets(buf, sizeof buf, f)) printf("file: %s", buf);
	if (f) fclose(f);

	/* close-on-exec descriptors are not inherited, others are */
	int keep = open("/tmp/spawned.txt", O_RDONLY);
	int drop = open("/tmp/spawned.txt", O_RDONLY | O_CLOEXEC);
	printf("fds %d %d: ", keep, drop);
	pid = spawn(0, (char *[]){"proc_child", "fds", 0});
	report("fds", pid);
	close(keep);
	close(drop);

	/* a missing program */
	int r = posix_spawn(&pid, "/nonexistent/prog", 0, 0, (char *[]){"x", 0}, environ);
	printf("missing: %s\n", r == ENOENT ? "ENOENT" : strerror(r));
	/* a file that is not a program */
	r = posix_spawn(&pid, "/tmp/spawned.txt", 0, 0, (char *[]){"x", 0}, environ);
	printf("not executable: %s\n", r == EACCES ? "EACCES" : strerror(r));

	/* SIGCHLD handler, then kill() a CPU-bound child */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, 0);
	pid = spawn(0, (char *[]){"proc_child", "spin", 0});
	struct timespec t0, t1;
	nanosleep(&(struct timespec){0, 50000000}, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(pid, SIGTERM);
	report("spin", pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("killed within 500ms: %d\n", ms < 500);
	printf("sigchld hits: %d\n", chld_hits > 0);

	/* a stopped child, continued, then killed */
	pid = spawn(0, (char *[]){"proc_child", "pause", 0});
	int st;
	kill(pid, SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	printf("stopped: %d sig %d\n", WIFSTOPPED(st), WSTOPSIG(st));
	kill(pid, SIGCONT);
	kill(pid, SIGKILL);
	report("pause", pid);

	/* a CPU-bound child stopped and continued, then killed */
	pid = spawn(0, (char *[]){"proc_child", "spin", 0});
	kill(pid, SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	printf("spin stopped: %d\n", WIFSTOPPED(st));
	kill(pid, SIGCONT);
	waitpid(pid, &st, WCONTINUED);
	printf("spin continued: %d\n", WIFCONTINUED(st));
	kill(pid, SIGKILL);
	report("spin", pid);

	/* posix_spawnp searches PATH */
	setenv("PATH", "/nope:/t", 1);
	r = posix_spawnp(&pid, "proc_child.wasm", 0, 0, (char *[]){"proc_child", "ppid", 0}, environ);
	if (r) printf("spawnp: %s\n", strerror(r));
	else report("spawnp", pid);
	return 0;
}

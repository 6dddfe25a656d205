/* fork with signals about: a 1 ms interval timer fires handlers while
 * processes fork in a loop (handlers wait while an instance unwinds or
 * rewinds), and a fork from a handler fails with ENOSYS on wasmos. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static volatile int handler_fork = 1;

static void on_alrm(int sig) {
	(void)sig;
	ticks++;
}

static void on_usr1(int sig) {
	(void)sig;
	pid_t p = fork();
	if (p == 0) _exit(0);
	handler_fork = p < 0 ? -errno : 0;
	if (p > 0) waitpid(p, 0, 0);
}

__attribute__((noinline)) static int work(int i) {
	volatile long sum = 0;
	for (int k = 0; k < 20000; k++) sum += k ^ i;
	pid_t p = fork();
	if (p == 0) _exit(i & 0x7f);
	int st;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != (i & 0x7f)) return 1;
	return sum == 0;
}

int main(void) {
	setvbuf(stdout, 0, _IONBF, 0);
	signal(SIGALRM, on_alrm);
	struct itimerval it = {{0, 1000}, {0, 1000}};
	setitimer(ITIMER_REAL, &it, 0);
	int bad = 0;
	for (int i = 0; i < 50; i++) bad += work(i);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, 0);
	printf("forks under a timer: bad=%d ticked=%d\n", bad, ticks > 0);
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	printf("fork in a handler: %s\n", handler_fork == -ENOSYS ? "ENOSYS" : handler_fork == 0 ? "ok" : "other");
	return 0;
}

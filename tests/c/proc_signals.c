/* Signal handlers in one process: alarm() interrupting a blocked read
 * (EINTR), SA_RESTART restarting it, sigsuspend, SA_SIGINFO, siglongjmp
 * out of a handler, a handler running in a busy loop, raise(). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_sig, info_code, info_signo;
static sigjmp_buf jb;
static int wfd;

static void on_sig(int sig) { hits++; last_sig = sig; }
static void on_info(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	hits++;
	info_signo = si->si_signo;
	info_code = si->si_code;
	last_sig = sig;
}
static void jump_out(int sig) { siglongjmp(jb, sig); }
__attribute__((noinline)) static void spin_forever(void) {
	volatile unsigned long n = 0;
	for (;;) n++;
}
static void on_restart(int sig) { (void)sig; hits++; write(wfd, "x", 1); }

static void set(int sig, void (*h)(int), int flags) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, 0);
}

int main(void) {
	int p[2];
	char c;
	setvbuf(stdout, 0, _IONBF, 0);

	/* raise() runs the handler before returning */
	set(SIGUSR1, on_sig, 0);
	raise(SIGUSR1);
	printf("raise: hits=%d sig=%d\n", hits, last_sig);

	/* alarm interrupts a read of an empty pipe: EINTR */
	pipe(p);
	hits = 0;
	set(SIGALRM, on_sig, 0);
	alarm(1);
	ssize_t n = read(p[0], &c, 1);
	printf("read: n=%zd errno=%s hits=%d\n", n, n < 0 && errno == EINTR ? "EINTR" : "other", hits);

	/* with SA_RESTART the read restarts; a second alarm... is what we
	 * use to end it: the first handler writes a byte */
	wfd = p[1];
	hits = 0;
	set(SIGALRM, on_restart, SA_RESTART);
	alarm(1);
	n = read(p[0], &c, 1);
	printf("restart: n=%zd c=%c hits=%d\n", n, n == 1 ? c : '?', hits);

	/* sigsuspend waits with SIGUSR2 unblocked, returns EINTR after the
	 * handler; the old mask is back afterwards */
	sigset_t block, old, cur;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);
	set(SIGUSR2, on_sig, 0);
	hits = 0;
	raise(SIGUSR2); /* pending, blocked */
	printf("blocked: hits=%d\n", hits);
	sigset_t none;
	sigemptyset(&none);
	int r = sigsuspend(&none);
	sigprocmask(SIG_BLOCK, 0, &cur);
	printf("sigsuspend: r=%d errno=%s hits=%d still-blocked=%d\n", r, errno == EINTR ? "EINTR" : "other", hits,
	       sigismember(&cur, SIGUSR2));
	sigprocmask(SIG_SETMASK, &old, 0);

	/* SA_SIGINFO */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, 0);
	hits = 0;
	kill(getpid(), SIGUSR1);
	printf("siginfo: hits=%d signo=%d code=%s\n", hits, info_signo, info_code == SI_USER ? "SI_USER" : "other");

	/* siglongjmp out of a handler restores the mask sigsetjmp saved */
	set(SIGUSR1, jump_out, 0);
	int got = sigsetjmp(jb, 1);
	if (got == 0) {
		raise(SIGUSR1);
		printf("not reached\n");
	}
	sigprocmask(SIG_BLOCK, 0, &cur);
	printf("siglongjmp: got=%d usr1-blocked=%d\n", got, sigismember(&cur, SIGUSR1));
	set(SIGUSR1, on_sig, 0);
	hits = 0;
	raise(SIGUSR1); /* deliverable again */
	printf("again: hits=%d\n", hits);

	/* a handler runs in a loop that makes no syscalls */
	hits = 0;
	set(SIGALRM, on_sig, 0);
	alarm(1);
	volatile unsigned long spins = 0;
	while (!hits) spins++;
	printf("busy loop: hits=%d\n", hits);

	/* siglongjmp out of a handler that interrupted a busy loop */
	set(SIGALRM, jump_out, 0);
	got = sigsetjmp(jb, 1);
	if (got == 0) {
		alarm(1);
		spin_forever(); /* see docs/abi.md: not a loop in this function */
	}
	sigprocmask(SIG_BLOCK, 0, &cur);
	printf("jumped out of busy loop: got=%d alrm-blocked=%d\n", got, sigismember(&cur, SIGALRM));

	/* default action of SIGTERM ends us with status 128+15 */
	kill(getpid(), SIGTERM);
	printf("not reached\n");
	return 0;
}


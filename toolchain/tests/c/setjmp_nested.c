/* Nested setjmp/longjmp across several frames, plus sigsetjmp. Each jump
 * must land at the right setjmp with the right value. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf outer, inner;
static int trail;

static void dive(int n)
{
	trail = trail * 10 + n;
	if (n == 0)
		longjmp(inner, 7);
	dive(n - 1);
}

static int middle(void)
{
	int r = setjmp(inner);
	if (r == 0) {
		dive(3);
		return -1;
	}
	if (r != 7)
		return -2;
	longjmp(outer, 42);
}

int main(void)
{
	volatile int stage = 0;
	int r = setjmp(outer);
	if (r == 0) {
		stage = 1;
		middle();
		return 10;
	}
	if (r != 42 || stage != 1 || trail != 3210)
		return 11;

	sigjmp_buf sb;
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	volatile int jumped = 0;
	if (sigsetjmp(sb, 1) == 0) {
		sigprocmask(SIG_BLOCK, &block, 0);
		jumped = 1;
		siglongjmp(sb, 1);
	}
	/* the mask saved by sigsetjmp (SIGUSR1 unblocked) is back */
	sigset_t now;
	sigprocmask(SIG_BLOCK, 0, &now);
	if (!jumped || sigismember(&now, SIGUSR1))
		return 12;

	/* longjmp(…, 0) returns 1 */
	if ((r = setjmp(outer)) == 0)
		longjmp(outer, 0);
	if (r != 1)
		return 13;

	puts("setjmp ok");
	return 0;
}

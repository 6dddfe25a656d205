/* fork() at the bottom of a recursion reached through a function pointer.
 * The parent prints "parent r=65", the child "child r=66". */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t pid = -1;

static int depth_fork(int n, int acc)
{
	if (n == 0) {
		pid = fork();
		return acc * 2 + (pid == 0);
	}
	int r = depth_fork(n - 1, acc + n);
	return r + n;
}

static int via_pointer(int x) { return depth_fork(x, 1); }
static int (*volatile fp)(int) = via_pointer;

int main(int argc, char **argv)
{
	(void)argv;
	int r = fp(argc + 5);
	printf("%s r=%d\n", pid == 0 ? "child" : "parent", r);
	if (pid > 0) {
		int status;
		wait(&status);
	}
	return 0;
}

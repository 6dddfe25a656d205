#include <stdio.h>

int main(int argc, char **argv, char **envp)
{
	printf("argc=%d argv0=%s env0=%s\n", argc, argv[0], envp[0] ? envp[0] : "(none)");
	return 0;
}

#include <stdio.h>

int main(int argc, char **argv)
{
	printf("argc=%d argv0=%s\n", argc, argv[0]);
	return argc == 1 ? 0 : 1;
}

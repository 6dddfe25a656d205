#include <stdio.h>

int main(void)
{
	puts("main(void)");
	return 0;
}

#include <stdio.h>

int sum_add(int, int);
int sum_mul(int, int);

int main(void)
{
	printf("%d\n", sum_add(2, sum_mul(3, 4)));
	return 0;
}

/* memory.fill, via the bulk-memory feature. */
#include <string.h>

void *memset(void *dest, int c, size_t n)
{
	return __builtin_memset(dest, c, n);
}

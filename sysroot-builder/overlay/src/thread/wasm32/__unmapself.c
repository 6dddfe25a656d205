/* A detached thread frees its own stack and exits. There are no threads
 * besides the main one on wasmos, whose stack is never unmapped, so this
 * only has to end the thread. */
#include "pthread_impl.h"
#include "syscall.h"

void __unmapself(void *base, size_t size)
{
	(void)base;
	(void)size;
	for (;;) __syscall(SYS_exit, 0);
}

/* fork is its own host import (wasmos.fork), not a syscall: the engine has
 * to copy the instance, which a syscall handler cannot do. The process has
 * one thread, so the child only needs that thread's new tid. */
#include <unistd.h>
#include <signal.h>
#include <bits/wasmos.h>
#include "syscall.h"
#include "pthread_impl.h"

__attribute__((__import_module__(__WASMOS_IMPORT_MODULE), __import_name__(__WASMOS_FORK_IMPORT)))
int __wasmos_fork(void);

pid_t _Fork(void)
{
	sigset_t mask;
	/* No handler may observe a half-copied process. */
	__block_all_sigs(&mask);
	int pid = __wasmos_fork();
	if (pid == 0)
		__pthread_self()->tid = __syscall(SYS_gettid);
	__restore_sigs(&mask);
	return __syscall_ret(pid);
}

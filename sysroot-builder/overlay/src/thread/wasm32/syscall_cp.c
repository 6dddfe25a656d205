/* Cancellation-point syscalls. Elsewhere this is assembly whose address
 * range (__cp_begin..__cp_end) tells the cancel signal handler whether a
 * thread is blocked inside the syscall. wasm code has no addresses, and
 * only the main thread exists, so we check the flag once before the call;
 * the markers exist for pthread_cancel.c and match no context. */
#include "pthread_impl.h"
#include "syscall.h"

hidden const char __cp_begin[1], __cp_end[1], __cp_cancel[1];

hidden long __cancel(void);

hidden long __syscall_cp_asm(volatile int *cancel, syscall_arg_t nr,
                             syscall_arg_t u, syscall_arg_t v, syscall_arg_t w,
                             syscall_arg_t x, syscall_arg_t y, syscall_arg_t z)
{
	if (*cancel) return __cancel();
	return __syscall(nr, u, v, w, x, y, z);
}

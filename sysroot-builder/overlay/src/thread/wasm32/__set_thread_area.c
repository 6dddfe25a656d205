/* The wasm thread pointer: a plain global (see arch/wasm32/pthread_arch.h).
 * Until __init_tls installs the real main-thread structure it points at a
 * zeroed placeholder, so an early errno write lands somewhere harmless. */
#include "pthread_impl.h"

static struct pthread early_thread;

hidden uintptr_t __wasmos_tp = (uintptr_t)&early_thread;

/* 0: the pointer is set, and musl may consider threads possible (it then
 * fails in __clone, so pthread_create returns EAGAIN). */
int __set_thread_area(void *p)
{
	__wasmos_tp = (uintptr_t)p;
	return 0;
}

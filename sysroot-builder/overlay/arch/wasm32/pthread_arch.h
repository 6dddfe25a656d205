/* wasm has no thread-pointer register: the thread pointer is a global set
 * by __set_thread_area (src/thread/wasm32/__set_thread_area.c). It points
 * at struct pthread itself (TLS below the pointer, musl's default), and
 * starts at a static placeholder so errno works even before __init_tls. */
#include <stdint.h>

extern __attribute__((__visibility__("hidden"))) uintptr_t __wasmos_tp;

static inline uintptr_t __get_tp(void)
{
	return __wasmos_tp;
}

/* The "program counter" musl's cancellation handler compares against the
 * __cp_begin/__cp_end markers; never inside them on wasm. */
#define MC_PC __gregs[0]

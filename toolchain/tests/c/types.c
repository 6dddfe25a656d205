/* The ILP32 + 64-bit time/offset model the ABI promises. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/time.h>
#include <setjmp.h>
#include <signal.h>
#include <bits/wasmos.h>

_Static_assert(sizeof(long) == 4, "long");
_Static_assert(sizeof(void *) == 4, "pointer");
_Static_assert(sizeof(size_t) == 4, "size_t");
_Static_assert(sizeof(time_t) == 8, "time_t");
_Static_assert(sizeof(off_t) == 8, "off_t");
_Static_assert(sizeof(suseconds_t) == 8, "suseconds_t");
_Static_assert(sizeof(blkcnt_t) == 8, "blkcnt_t");
_Static_assert(sizeof(rlim_t) == 8, "rlim_t");
_Static_assert(sizeof(dev_t) == 8, "dev_t");
_Static_assert(sizeof(ino_t) == 8, "ino_t");
_Static_assert(sizeof(struct timespec) == 16, "timespec");
_Static_assert(sizeof(struct timeval) == 16, "timeval");
_Static_assert(sizeof(long double) == 16, "long double");
_Static_assert(__builtin_types_compatible_p(size_t, __SIZE_TYPE__), "size_t matches clang");
_Static_assert(__builtin_types_compatible_p(wchar_t, __WCHAR_TYPE__), "wchar_t matches clang");
_Static_assert(__builtin_types_compatible_p(intptr_t, __INTPTR_TYPE__), "intptr_t matches clang");
_Static_assert(sizeof(jmp_buf) >= 16, "jmp_buf");
_Static_assert(_NSIG == 65, "_NSIG");
#ifdef _REDIR_TIME64
#error "wasm32 is a time64-only arch: no _REDIR_TIME64"
#endif
int wasmos_abi_version = __WASMOS_ABI_VERSION;

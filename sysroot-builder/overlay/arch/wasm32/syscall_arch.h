/* Every syscall is one call of the kernel's import
 *   wasmos.syscall(nr, a, b, c, d, e, f: i32) -> i32
 * returning the result or -errno, as Linux does. */
#include <bits/wasmos.h>

/* A 64-bit argument takes two consecutive slots, low word first, with no
 * alignment padding (there are no register pairs to align). */
#define __SYSCALL_LL_E(x) \
	((union { long long __ll; long __l[2]; }){ .__ll = (x) }).__l[0], \
	((union { long long __ll; long __l[2]; }){ .__ll = (x) }).__l[1]
#define __SYSCALL_LL_O(x) __SYSCALL_LL_E((x))

/* mmap2 takes its offset in 4096-byte units. */
#define SYSCALL_MMAP2_UNIT 4096ULL

__attribute__((__import_module__(__WASMOS_IMPORT_MODULE), __import_name__(__WASMOS_SYSCALL_IMPORT)))
long __wasmos_syscall(long, long, long, long, long, long, long);

static inline long __syscall0(long n)
{
	return __wasmos_syscall(n, 0, 0, 0, 0, 0, 0);
}

static inline long __syscall1(long n, long a)
{
	return __wasmos_syscall(n, a, 0, 0, 0, 0, 0);
}

static inline long __syscall2(long n, long a, long b)
{
	return __wasmos_syscall(n, a, b, 0, 0, 0, 0);
}

static inline long __syscall3(long n, long a, long b, long c)
{
	return __wasmos_syscall(n, a, b, c, 0, 0, 0);
}

static inline long __syscall4(long n, long a, long b, long c, long d)
{
	return __wasmos_syscall(n, a, b, c, d, 0, 0);
}

static inline long __syscall5(long n, long a, long b, long c, long d, long e)
{
	return __wasmos_syscall(n, a, b, c, d, e, 0);
}

static inline long __syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	return __wasmos_syscall(n, a, b, c, d, e, f);
}

/* No vDSO: clock_gettime & co. are plain syscalls. */

/* Syscalls musl needs but the ABI lacks: a number the kernel answers with
 * -ENOSYS (generated; see wasmos_sysroot::headers). */
#include "syscall_enosys.h"

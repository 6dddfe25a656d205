#ifndef _SETJMP_H
#define _SETJMP_H

/* wasmos setjmp.h. setjmp/longjmp use Emscripten-style SjLj: code is
 * compiled with -mllvm -enable-emscripten-sjlj, which rewrites every
 * direct call of setjmp() into bookkeeping in the calling function, and
 * longjmp() unwinds through the host's invoke_* wrappers. Hence setjmp
 * must be called directly, by that name: the other entry points below
 * are macros expanding to such a call. */

#ifdef __cplusplus
extern "C" {
#endif

#include <features.h>

#include <bits/setjmp.h>

typedef struct __jmp_buf_tag {
	__jmp_buf __jb;
	/* sigsetjmp: nonzero when __ss holds the mask to restore. */
	unsigned long __fl;
	unsigned long __ss[128/sizeof(long)];
} jmp_buf[1];

#define __wasmos_returns_twice __attribute__((__returns_twice__))

int setjmp(jmp_buf) __wasmos_returns_twice;
_Noreturn void longjmp(jmp_buf, int);

#if defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) \
 || defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) \
 || defined(_BSD_SOURCE)
typedef jmp_buf sigjmp_buf;
int sigsetjmp(sigjmp_buf, int) __wasmos_returns_twice;
_Noreturn void siglongjmp(sigjmp_buf, int);
/* Records the mask (or that none is saved), then the real setjmp call:
 * a function wrapping setjmp could not return twice. */
void __wasmos_sigsetjmp_save(sigjmp_buf, int);
#define sigsetjmp(b, s) (__wasmos_sigsetjmp_save((b), (s)), setjmp(b))
#endif

#if defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) \
 || defined(_BSD_SOURCE)
int _setjmp(jmp_buf) __wasmos_returns_twice;
_Noreturn void _longjmp(jmp_buf, int);
#define _setjmp(b) setjmp(b)
#endif

#define setjmp setjmp

#undef __wasmos_returns_twice

#ifdef __cplusplus
}
#endif

#endif

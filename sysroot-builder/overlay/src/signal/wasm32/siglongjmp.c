#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include "syscall.h"

_Noreturn void emscripten_longjmp(uintptr_t, int);

/* Restore the mask sigsetjmp saved (if it did), then jump. */
_Noreturn void siglongjmp(sigjmp_buf env, int val)
{
	if (env->__fl)
		__syscall(SYS_rt_sigprocmask, SIG_SETMASK, env->__ss, 0, _NSIG/8);
	emscripten_longjmp((uintptr_t)env, val);
}

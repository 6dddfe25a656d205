/* sigsetjmp is a macro in <setjmp.h>: save the mask here, then a direct
 * setjmp call the SjLj lowering can see. */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include "syscall.h"

void __wasmos_sigsetjmp_save(sigjmp_buf env, int savemask)
{
	env->__fl = 0;
	if (savemask && !__syscall(SYS_rt_sigprocmask, SIG_SETMASK, 0, env->__ss, _NSIG/8))
		env->__fl = 1;
}

/* The function form, for callers through a pointer: like the fallback
 * setjmp, it can only return once. */
int (sigsetjmp)(sigjmp_buf env, int savemask)
{
	memset(env->__jb, 0, sizeof env->__jb);
	__wasmos_sigsetjmp_save(env, savemask);
	return 0;
}

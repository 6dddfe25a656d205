/* setjmp as a real function only serves callers the SjLj lowering did not
 * see (a call through a pointer, or code built without the flag). It can
 * return only once: it marks the buffer as matching no invocation, so a
 * longjmp to it unwinds to the top and the host reports it. */
#include <setjmp.h>
#include <string.h>
#include "libc.h"

static int unmatched_setjmp(jmp_buf env)
{
	memset(env->__jb, 0, sizeof env->__jb);
	env->__fl = 0;
	return 0;
}

/* Aliases, not definitions, so that the lowering pass (which keys on a
 * function named setjmp) leaves this file alone. */
weak_alias(unmatched_setjmp, setjmp);
weak_alias(unmatched_setjmp, _setjmp);

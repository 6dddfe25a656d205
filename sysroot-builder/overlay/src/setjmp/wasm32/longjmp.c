#include <setjmp.h>
#include <stdint.h>

_Noreturn void emscripten_longjmp(uintptr_t, int);

/* Direct calls in lowered code already go to emscripten_longjmp; this is
 * for calls through pointers and code built without the flag. */
_Noreturn void longjmp(jmp_buf env, int val)
{
	emscripten_longjmp((uintptr_t)env, val);
}

_Noreturn void _longjmp(jmp_buf env, int val)
{
	emscripten_longjmp((uintptr_t)env, val);
}

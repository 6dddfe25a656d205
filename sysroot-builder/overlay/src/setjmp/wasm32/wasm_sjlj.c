/* Runtime support for LLVM's Emscripten-style setjmp/longjmp lowering
 * (-mllvm -enable-emscripten-sjlj). In a function that calls setjmp, LLVM
 * gives each invocation an id (the address of a stack slot), records each
 * setjmp with __wasm_setjmp, and routes calls that might longjmp through
 * the host's env.invoke_* imports. longjmp sets __THREW__/__threwValue and
 * unwinds to the nearest invoke_*, which returns normally; the caller then
 * asks __wasm_setjmp_test whether the target buffer is one of its own. */
#include <stdint.h>
#include <bits/wasmos.h>

/* Which jmp_buf is being jumped to (0: none), and the value to return. */
uintptr_t __THREW__ = 0;
int __threwValue = 0;

/* The high half of an i64 result, for the lowered code. */
static int temp_ret0;

int getTempRet0(void)
{
	return temp_ret0;
}

void setTempRet0(int value)
{
	temp_ret0 = value;
}

/* Layout of bits/setjmp.h's __jmp_buf as this code uses it. */
struct wasm_jmp_buf {
	void *invocation_id;
	uint32_t label;
};

void __wasm_setjmp(void *env, uint32_t label, void *invocation_id)
{
	struct wasm_jmp_buf *jb = env;
	jb->invocation_id = invocation_id;
	jb->label = label;
}

/* The setjmp label to resume at if env was set by this very invocation;
 * 0 tells the caller to keep unwinding. */
uint32_t __wasm_setjmp_test(void *env, void *invocation_id)
{
	struct wasm_jmp_buf *jb = env;
	return jb->invocation_id == invocation_id ? jb->label : 0;
}

__attribute__((__import_module__(__WASMOS_IMPORT_MODULE), __import_name__(__WASMOS_LONGJMP_IMPORT)))
_Noreturn void __wasmos_longjmp_unwind(void);

_Noreturn void emscripten_longjmp(uintptr_t env, int val)
{
	__THREW__ = env;
	__threwValue = val ? val : 1;
	__wasmos_longjmp_unwind();
}

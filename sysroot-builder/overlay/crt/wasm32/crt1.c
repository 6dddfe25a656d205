/* wasmos start file. The kernel does not build an initial stack: _start
 * asks it for the process image (syscall wasmos_startinfo), which arrives
 * in exactly the Linux initial-stack layout (argc, argv[], 0, envp[], 0,
 * auxv pairs, AT_NULL, strings), then enters musl's __libc_start_main. */
#include <stddef.h>
#include "syscall.h"

int __libc_start_main(int (*)(int, char **, char **), int, char **,
	void (*)(void), void (*)(void), void (*)(void));

/* What C's main becomes on wasm: clang names int main(int, char **)
 * __main_argc_argv; libc has weak fallbacks reaching the other forms. */
int __main_argc_argv(int, char **);

/* Saved for libc's __main_void, which calls a 3-argument main. They live
 * here, not in libc, so that linking them never pulls in a reference to
 * main that the program may not define. */
__attribute__((__visibility__("hidden"))) int __wasmos_argc;
__attribute__((__visibility__("hidden"))) char **__wasmos_argv;

void __wasm_call_ctors(void);

/* musl calls _init after setting up libc and before main: the right
 * moment for the constructors wasm-ld collects. */
void _init(void)
{
	__wasm_call_ctors();
}

/* musl calls main through a 3-argument pointer; wasm checks the type of
 * indirect calls, so this adapter has exactly that type. */
static int start_main(int argc, char **argv, char **envp)
{
	(void)envp;
	return __main_argc_argv(argc, argv);
}

void _start(void)
{
	long need = __syscall(SYS_wasmos_startinfo, 0, 0);
	if (need <= 0) __builtin_trap();
	size_t size = ((size_t)need + 15) & ~(size_t)15;
	long *info = __builtin_alloca_with_align(size, 128);
	if (__syscall(SYS_wasmos_startinfo, info, size) < 0) __builtin_trap();

	int argc = info[0];
	char **argv = (char **)(info + 1);
	__wasmos_argc = argc;
	__wasmos_argv = argv;
	__libc_start_main(start_main, argc, argv, _init, 0, 0);
	__builtin_trap();
}

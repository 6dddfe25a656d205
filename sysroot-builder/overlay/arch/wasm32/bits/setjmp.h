/* Emscripten-style SjLj state (see src/setjmp/wasm32/wasm_sjlj.c):
 * [0] the setjmp-calling function's invocation id, [1] the setjmp label;
 * the rest is spare room. */
typedef unsigned long __jmp_buf[4];

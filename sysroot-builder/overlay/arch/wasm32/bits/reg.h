/* wasm has no user-visible register file; only the word size is meaningful. */
#undef __WORDSIZE
#define __WORDSIZE 32

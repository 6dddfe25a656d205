/* wasm32 has no dynamic linker; src/internal/dynlink.h needs only the
 * arch name. CRTJMP (jump to code on a new stack) cannot exist in wasm. */
#define LDSO_ARCH "wasm32"

#define CRTJMP(pc, sp) __builtin_trap()

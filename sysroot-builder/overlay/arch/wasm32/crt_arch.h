/* Unused on wasm32: musl includes this from crt/crt1.c and the dynamic
 * linker's entry code, which we replace (crt/wasm32/crt1.c) and do not
 * build respectively. There is no assembly entry point: wasm-ld exports
 * the C function _start. */

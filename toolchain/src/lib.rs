//! wasmos-cc: clang/wasm-ld wrappers for the wasmos sysroot (in progress).

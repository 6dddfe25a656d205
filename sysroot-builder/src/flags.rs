//! Compiler flags: the target ABI every object shares (libc and user code
//! alike), and the extra flags musl itself is built with.

/// The clang target. Not `wasm32-wasi` (another libc ABI) and not
/// `*-linux-*` (clang's Linux driver would pick GNU ld).
pub const CLANG_TARGET: &str = "wasm32-unknown-unknown";

/// What `-dumpmachine` says and autoconf's host triple (config.sub knows it).
pub const TRIPLE: &str = "wasm32-unknown-linux-musl";

/// Code-generation flags for libc and for every user object: objects built
/// with different ones must not be mixed. clang 19 already enables
/// multivalue, mutable-globals, reference-types and sign-ext for wasm32.
/// `-enable-emscripten-sjlj` lowers setjmp/longjmp to `invoke_*` imports
/// (see `docs/abi.md`).
pub const TARGET_FLAGS: &[&str] =
    &["--target=wasm32-unknown-unknown", "-mbulk-memory", "-mnontrapping-fptoint", "-mllvm", "-enable-emscripten-sjlj"];

/// Macros user code sees: wasmos is a Linux-compatible Unix.
pub const USER_DEFINES: &[&str] = &["-D__wasmos__", "-D__linux__", "-D__linux", "-D__unix__", "-D__unix"];

/// musl's own flags (from its configure for clang), minus what does not
/// apply to wasm. `-w` as musl does by default: its code is warning-noisy
/// by design; real errors stay errors.
pub const LIBC_CFLAGS: &[&str] = &[
    "-std=c99",
    "-nostdinc",
    "-ffreestanding",
    "-frounding-math",
    "-fno-stack-protector",
    "-ffunction-sections",
    "-fdata-sections",
    "-O2",
    "-w",
    "-Werror=implicit-function-declaration",
    "-Werror=implicit-int",
    "-Werror=int-conversion",
    "-Werror=incompatible-pointer-types",
    "-D_XOPEN_SOURCE=700",
    "-D__wasmos__",
    "-D__wasmos_libc_build",
];

/// musl's include path order (its Makefile's `CFLAGS_ALL`), relative to the
/// musl tree.
pub const LIBC_INCLUDES: &[&str] =
    &["arch/wasm32", "arch/generic", "obj/src/internal", "src/include", "src/internal", "obj/include", "include"];

/* wasm has no ptrace user area: <sys/user.h> provides nothing arch-specific. */

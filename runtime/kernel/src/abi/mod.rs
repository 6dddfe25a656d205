//! The wasmos ABI: the one definition of everything C and the kernel share.
//!
//! Syscall numbers ([`syscalls`]), errno values ([`errno`]), flag values
//! ([`flags`]) and struct layouts ([`layout`]) live here; the sysroot builder
//! generates the C headers from these tables, and `--strace` decodes calls
//! with them. `docs/abi.md` describes the calling convention.

pub mod errno;
pub mod flags;
pub mod layout;
pub mod syscalls;

/// The ABI version. Bump it on any incompatible change to anything in this
/// module; the runtime refuses binaries that carry another version.
pub const ABI_VERSION: u32 = 1;

/// Custom section every wasmos binary carries: the ABI version as a
/// little-endian u32.
pub const ABI_SECTION: &str = "wasmos.abi";

/// Import module of the kernel's entry points.
pub const IMPORT_MODULE: &str = "wasmos";
/// `syscall(nr, a0..a5: i32) -> i32`: every Linux-style syscall.
pub const SYSCALL_IMPORT: &str = "syscall";
/// `fork() -> i32`, reserved for the process model.
pub const FORK_IMPORT: &str = "fork";
/// `vfork() -> i32`, reserved for the process model.
pub const VFORK_IMPORT: &str = "vfork";
/// `longjmp_unwind()`: unwinds to the nearest `invoke_*` (setjmp/longjmp).
pub const LONGJMP_IMPORT: &str = "longjmp_unwind";

/// Guest page size reported to C (`getpagesize`, `AT_PAGESZ`); `mmap`
/// granularity. Linear memory still grows in 64 KiB wasm pages.
pub const PAGE_SIZE: u32 = 4096;
/// Wasm linear-memory page size.
pub const WASM_PAGE: u64 = 65536;

/// Encodes the ABI section payload.
pub const fn abi_section_payload() -> [u8; 4] {
    ABI_VERSION.to_le_bytes()
}

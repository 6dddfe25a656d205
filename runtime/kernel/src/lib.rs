//! The wasmos kernel: a Linux-compatible operating system for WebAssembly
//! processes, written once and driven by any engine.
//!
//! The kernel is `no_std` + `alloc`. It owns processes, file descriptor
//! tables, the VFS and its file systems, and the syscall table. It never
//! blocks: a call that must wait returns [`Outcome::Pending`] with a
//! [`WaitKey`], and the engine retries after the key is woken. Guest memory
//! and host services come through the [`Memory`] and [`Host`] traits in
//! [`engine`]; host directories are just another [`vfs::FileSystem`].
//!
//! The ABI (syscall numbers, errno, struct layouts, version) is defined in
//! [`abi`] and nowhere else.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod abi;
pub mod dev;
pub mod engine;
mod exec;
pub mod fd;
pub mod file;
mod kernel;
mod lifecycle;
pub mod mm;
pub mod pipe;
pub mod process;
pub mod signal;
pub mod strace;
pub mod syscall;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub mod testutil;
pub mod vfs;

pub use abi::errno::Errno;
pub use engine::{Delivery, ExecImage, ExitStatus, Host, Memory, Outcome, Pending, StreamKind, WaitKey, RESTART_SYSCALL};
pub use kernel::{Kernel, KernelConfig, SpawnSpec};
pub use lifecycle::{WaitEvent, WaitFor};

/// Result of kernel-internal operations.
pub type KResult<T> = Result<T, Errno>;

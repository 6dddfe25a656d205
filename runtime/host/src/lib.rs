//! The wasmos host runtime: the wasmos kernel driven by wasmtime.
//!
//! [`hostfs`] serves host directories to the kernel's VFS.

pub mod hostfs;

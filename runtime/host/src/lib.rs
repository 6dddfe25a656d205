//! The wasmos host runtime: the wasmos kernel driven by wasmtime.
//!
//! [`run`] loads a module (checking that it was built for this ABI, see
//! [`load`]), compiles it through the on-disk [`cache`], builds a
//! [`wasmos_kernel::Kernel`] whose [`wasmos_kernel::Host`] services are the
//! real machine's ([`host_services`]), mounts host directories through
//! [`hostfs`], and runs the program as a process on its own OS thread
//! ([`process`]).
//!
//! The kernel never blocks. It lives behind one mutex shared by every
//! process thread ([`shared`]); a syscall that returns
//! [`wasmos_kernel::Outcome::Pending`] parks its thread on a condition
//! variable until some other kernel call wakes a key or the deadline passes,
//! then runs again with `retry = true`.
//!
//! The `wasmos` binary is a thin shell over [`cli`].

pub mod cache;
pub mod cli;
mod engine;
pub mod error;
mod fork;
pub mod host_services;
pub mod hostfs;
pub mod load;
mod memory;
pub mod process;
mod run;
pub mod shared;
pub mod signals;
mod sjlj;
mod stdin;
pub mod trap;

pub use error::{LoadError, SetupError};
pub use run::{run, DirMount, RunOptions};

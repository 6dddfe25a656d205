//! The seam between the kernel and an engine (wasmtime host, browser, MCU).
//!
//! The kernel never blocks and never touches an engine directly. An engine
//! hands it guest memory through [`Memory`] for the duration of one syscall,
//! provides clocks, randomness and the host's standard streams through
//! [`Host`], and handles [`Outcome::Pending`] by parking the process until
//! the wait key is woken or the deadline passes, then calling the same
//! syscall again with `retry = true`.

use crate::abi::errno::Errno;

/// Guest linear memory of the calling process.
pub trait Memory {
    /// Copies `buf.len()` bytes at `addr` out of guest memory (`EFAULT` when
    /// out of bounds).
    fn read(&self, addr: u32, buf: &mut [u8]) -> Result<(), Errno>;
    /// Copies `data` into guest memory at `addr`.
    fn write(&mut self, addr: u32, data: &[u8]) -> Result<(), Errno>;
    /// Current size in bytes.
    fn size(&self) -> u64;
    /// Grows by `pages` wasm pages; returns the old size in pages.
    fn grow(&mut self, pages: u64) -> Result<u64, Errno>;
}

/// What kind of object a host standard stream is; decides `fstat` and
/// `isatty` answers for the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    Tty,
    Pipe,
    File,
    Null,
}

/// Services only the engine can provide.
pub trait Host: Send {
    /// Nanoseconds since the Unix epoch.
    fn realtime_ns(&self) -> u64;
    /// Nanoseconds on a monotonic clock (any origin).
    fn monotonic_ns(&self) -> u64;
    /// Fills `buf` with cryptographically secure random bytes.
    fn random(&mut self, buf: &mut [u8]);
    /// Writes to host stream 1 (stdout) or 2 (stderr). Returns bytes written.
    fn stream_write(&mut self, stream: u8, data: &[u8]) -> Result<usize, Errno>;
    /// What host stream 0, 1 or 2 is.
    fn stream_kind(&self, stream: u8) -> StreamKind;
    /// Terminal size (rows, cols) of a tty stream.
    fn winsize(&self, _stream: u8) -> Option<(u16, u16)> {
        None
    }
    /// The kernel wants input for stream 0: the engine should read some and
    /// pass it to [`crate::Kernel::stream_input`] (or signal end of file).
    fn want_input(&mut self) {}
}

/// A key a pending syscall waits on; [`crate::Kernel::take_wakeups`] reports
/// which keys were woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WaitKey(pub u64);

impl WaitKey {
    /// Input arrived on the host's stdin.
    pub const STDIN: WaitKey = WaitKey(1);
    /// Only the deadline can end this wait.
    pub const TIMER: WaitKey = WaitKey(2);

    /// Something happened to process `pid` that a wait of its own may be
    /// waiting for: a child changed state (`wait4`), a signal arrived
    /// (`rt_sigsuspend`, any interruptible wait), it was continued, or a key
    /// its `ppoll`/`pselect6` watches was woken.
    pub const fn process(pid: u32) -> WaitKey {
        WaitKey(PROCESS_KEY_TAG | pid as u64)
    }
}

/// Namespace tag of [`WaitKey::process`] keys (pipes use `1 << 56`).
const PROCESS_KEY_TAG: u64 = 2 << 56;

/// What [`crate::Kernel::syscall`] returns (as `Outcome::Return`) when a
/// blocking call was interrupted by a signal whose handler has
/// `SA_RESTART`: run the handlers ([`crate::Kernel::next_signal`]), then
/// issue the same syscall again with `retry = false`. Never reaches a guest.
/// (Linux's internal `ERESTARTSYS`.)
pub const RESTART_SYSCALL: i64 = -512;

/// A signal handler the engine must run now, from
/// [`crate::Kernel::next_signal`]. The kernel has already blocked
/// `mask | sig` (unless `SA_NODEFER`) and reset the action if
/// `SA_RESETHAND`; after the handler returns, the engine calls
/// [`crate::Kernel::signal_return`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub sig: u32,
    /// Guest function (table index): `void (*)(int)`, or with `SA_SIGINFO`
    /// `void (*)(int, siginfo_t *, void *)`.
    pub handler: u32,
    /// `sa_flags` as the guest set them.
    pub flags: u32,
    /// `siginfo_t` (128 bytes, the wasm32 layout) for `SA_SIGINFO`
    /// handlers: the engine copies it into guest memory.
    pub siginfo: [u8; 128],
}

/// A program `execve` resolved, for the engine to instantiate; see
/// [`crate::Kernel::execve`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecImage {
    /// The file to run (after `#!` processing: the interpreter).
    pub path: alloc::vec::Vec<u8>,
    /// Its whole contents (a wasm module: starts with `\0asm`).
    pub binary: alloc::vec::Vec<u8>,
    pub argv: alloc::vec::Vec<alloc::vec::Vec<u8>>,
    pub envp: alloc::vec::Vec<alloc::vec::Vec<u8>>,
}

/// A syscall that cannot complete yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    pub key: WaitKey,
    /// Monotonic nanoseconds after which the syscall must be retried even if
    /// the key is not woken.
    pub deadline: Option<u64>,
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// `exit(code)`; only the low 8 bits are kept, as on Linux.
    Code(u8),
    /// Terminated by a signal.
    Signal(u32),
}

impl ExitStatus {
    /// The status a shell would report: the code, or 128 + signal.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Code(c) => c as i32,
            ExitStatus::Signal(s) => 128 + s as i32,
        }
    }
}

/// The result of one syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Return this value to the guest (negative errno on failure).
    Return(i64),
    /// Park and retry later with `retry = true`.
    Pending(Pending),
    /// The process has ended: stop running its code.
    Exit(ExitStatus),
}

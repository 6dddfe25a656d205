//! The kernel as every process thread shares it, and how threads wait.
//!
//! The kernel sits behind one mutex together with a wake sequence number.
//! After any kernel call, if the kernel reports woken keys
//! ([`Kernel::take_wakeups`]), the sequence is bumped and every parked thread
//! is notified. A thread whose syscall returned pending notes the sequence
//! (under the same lock, so no wakeup can slip in between) and sleeps until
//! it changes or the syscall's deadline passes, then retries the call. The
//! kernel decides whether the retry can complete; a spurious retry costs one
//! syscall dispatch.
//!
//! Processes another process killed, stopped or signalled
//! ([`Kernel::take_interrupts`]) are handled the same way plus an epoch
//! bump, so code running in them reaches its epoch callback
//! ([`crate::signals`]) at the next function entry or loop header.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmos_kernel::{ExitStatus, Kernel};
use wasmtime::Engine;

use crate::cache::ModuleCache;
use crate::host_services::monotonic_ns;

/// The kernel and its wake sequence, guarded together.
pub struct KernelState {
    pub kernel: Kernel,
    /// Bumped whenever the kernel woke a key.
    pub seq: u64,
}

/// What process threads share.
pub struct Shared {
    state: Mutex<KernelState>,
    wake: Condvar,
    /// Print each syscall to stderr (`--strace`).
    pub strace: bool,
    /// The engine every process's code runs on (its epoch interrupts them).
    pub engine: Engine,
    /// Where `execve` and `wasmos_spawn` find compiled modules.
    pub cache: ModuleCache,
    /// `--max-memory` for every process.
    pub max_memory: Option<u64>,
    /// Threads of processes started by other processes, not yet joined.
    threads: Mutex<Vec<(u32, JoinHandle<ExitStatus>)>>,
}

impl Shared {
    pub fn new(kernel: Kernel, engine: Engine, cache: ModuleCache, strace: bool, max_memory: Option<u64>) -> Self {
        Shared {
            state: Mutex::new(KernelState { kernel, seq: 0 }),
            wake: Condvar::new(),
            strace,
            engine,
            cache,
            max_memory,
            threads: Mutex::new(Vec::new()),
        }
    }

    /// Remembers the thread running `pid`, for [`Shared::take_threads`].
    /// Threads that already ended are dropped (detached) on the way, so a
    /// long-lived shell spawning many processes does not keep their stacks.
    pub fn add_thread(&self, pid: u32, handle: JoinHandle<ExitStatus>) {
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        threads.retain(|(_, t)| !t.is_finished());
        threads.push((pid, handle));
    }

    /// The threads recorded so far (each is then the caller's to join).
    pub fn take_threads(&self) -> Vec<(u32, JoinHandle<ExitStatus>)> {
        std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Locks the kernel. A thread that panicked while holding the lock does
    /// not take the others down with it: the kernel's own state is updated
    /// by whole operations, so it is used as it is.
    pub fn lock(&self) -> MutexGuard<'_, KernelState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes the kernel's woken keys, if any, to parked threads. Call
    /// after every kernel operation, before unlocking.
    pub fn publish(&self, st: &mut KernelState) {
        let woke = !st.kernel.take_wakeups().is_empty();
        let interrupted = !st.kernel.take_interrupts().is_empty();
        if interrupted {
            // Every running store's deadline is one tick ahead: one bump
            // sends them all to their epoch callback, which checks its own
            // process (cheap when nothing happened to it).
            self.engine.increment_epoch();
        }
        if woke || interrupted {
            st.seq = st.seq.wrapping_add(1);
            self.wake.notify_all();
        }
    }

    /// Runs `f` on the kernel and publishes its wakeups.
    pub fn with_kernel<R>(&self, f: impl FnOnce(&mut Kernel) -> R) -> R {
        let mut st = self.lock();
        let r = f(&mut st.kernel);
        self.publish(&mut st);
        r
    }

    /// Sleeps until the wake sequence moves past `seen` or the monotonic
    /// clock reaches `deadline` (nanoseconds, [`monotonic_ns`]'s clock).
    pub fn park<'a>(&'a self, mut st: MutexGuard<'a, KernelState>, seen: u64, deadline: Option<u64>) -> MutexGuard<'a, KernelState> {
        while st.seq == seen {
            st = match deadline {
                None => self.wake.wait(st).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = monotonic_ns();
                    if now >= d {
                        break;
                    }
                    self.wake.wait_timeout(st, Duration::from_nanos(d - now)).unwrap_or_else(|e| e.into_inner()).0
                }
            };
        }
        st
    }
}

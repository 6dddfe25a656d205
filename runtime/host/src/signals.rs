//! Signals on the host engine: running guest handlers, interrupting code
//! that makes no syscalls, the epoch ticker, and forwarding the host's own
//! signals (`^C`) to guests.
//!
//! **Handlers.** After every syscall that returns to the guest, and from
//! the epoch callback, [`service`] parks the thread while the process is
//! stopped, ends it (unwinding with [`GuestExit`]) once it has been
//! killed, and runs each [`wasmos_kernel::Delivery`]: the handler is a
//! slot of the exported `__indirect_function_table`, called with the
//! process's own store. Its wasm type decides how: `(i32) -> ()` gets the
//! signal number; `(i32, i32, i32) -> ()` gets the number, a pointer to
//! the 128-byte `siginfo_t`, and 0 for the `ucontext`. Handlers run below
//! the 128-byte red zone LLVM lets leaf functions use under the shadow
//! stack pointer (as x86-64 Linux skips its red zone): the pointer is moved
//! down past it (and the `siginfo_t`, 16-byte aligned) for the call and
//! restored after. (Native code ignores arguments a handler does not
//! declare; calling by the real type does the same.) Any other type, or an
//! empty slot, ends the process with `SIGSEGV`. When the handler returns,
//! [`wasmos_kernel::Kernel::signal_return`] restores the mask.
//!
//! A handler that leaves with `longjmp`/`siglongjmp` raises
//! [`crate::sjlj::LongjmpUnwind`] inside the call; it propagates out of the
//! syscall import (or the epoch callback) to the nearest `invoke_*`, as it
//! would out of any guest function, and `signal_return` is *not* called:
//! exactly as on Linux, where jumping out of a handler skips `sigreturn`.
//! The mask is then whatever the jump leaves: `siglongjmp` restores the
//! one `sigsetjmp` saved (through `rt_sigprocmask`), plain `longjmp` keeps
//! the handler's (the signal stays blocked). The kernel's record of the
//! skipped frame is only consulted by `signal_return`, so it is harmless
//! (a handler that returns normally pops its own, newer frame). From the
//! epoch callback the unwind works only if an `invoke_*` frame lies between
//! the `setjmp` and the interrupted code, i.e. the busy loop is not in the
//! `setjmp` function's own body (the Emscripten lowering only routes calls
//! through `invoke_*`).
//!
//! **Interrupting running code.** Every store has an epoch deadline one
//! tick ahead and [`on_epoch`] as its callback. A ticker thread bumps the
//! epoch every [`TICK`] (so a CPU-bound process checks in at most every
//! ~10 ms) and fires due `ITIMER_REAL` timers; [`crate::shared::Shared::publish`]
//! bumps it at once when the kernel reports interrupted processes, so a
//! kill from another process or `^C` lands within microseconds of the next
//! loop header. The callback runs [`service`], so handlers run in busy
//! loops too: wasmtime lets the callback re-enter the guest through the
//! store it is given, exactly like a host function does. One limitation:
//! wasmtime does not nest epoch callbacks, so a handler run from the
//! callback is not itself interrupted by epochs; a kill or stop reaches
//! it at its next syscall or once it returns.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use wasmos_kernel::process::ProcState as KState;
use wasmos_kernel::{Delivery, ExitStatus, Kernel};
use wasmtime::{AsContextMut, Ref, StoreContextMut, UpdateDeadline, Val};

use crate::host_services::{monotonic_ns, stderr_line};
use crate::process::{GuestExit, ProcState};
use crate::shared::Shared;

/// How often the ticker bumps the epoch.
pub const TICK: Duration = Duration::from_millis(10);
/// Bytes below `__stack_pointer` a leaf function may use without moving
/// it (LLVM's wasm red zone); handlers run below them.
const RED_ZONE: u32 = 128;
/// Size of the guest `siginfo_t`.
const SIGINFO_SIZE: u32 = 128;
const SIGSEGV: u32 = 11;
const SIGKILL: u32 = 9;
/// The pid of the program `wasmos run` starts (the kernel's first).
const FIRST_PID: u32 = 1;
/// Ticks a handler run from the epoch callback may take (forever).
const HANDLER_DEADLINE: u64 = 1 << 48;

/// Whether `pid` may need [`service`]: stopped, ended, or with an
/// unblocked signal pending. Cheap enough to ask after every syscall.
pub fn needs_service(k: &Kernel, pid: u32) -> bool {
    match k.snapshot().procs.get(pid) {
        Some(p) => p.stopped.is_some() || p.signals.pending & !p.signals.mask != 0 || p.state != KState::Running,
        None => true,
    }
}

/// How `pid` ended, if it has. A process the kernel no longer knows was
/// killed and reaped before its code noticed (e.g. before it even
/// started): it is as good as killed.
pub fn ended(k: &Kernel, pid: u32) -> Option<ExitStatus> {
    match k.snapshot().procs.get(pid) {
        Some(_) => k.exit_status(pid),
        None => Some(ExitStatus::Signal(SIGKILL)),
    }
}

/// Parks while stopped, unwinds if ended, runs deliverable handlers (see
/// the module docs). The kernel must not be locked by the caller.
pub fn service(cx: &mut StoreContextMut<'_, ProcState>) -> wasmtime::Result<()> {
    let pid = cx.data().pid;
    let shared = cx.data().shared.clone();
    // Mid-fork (unwinding or rewinding) guest code must not run: handlers
    // wait, as they would while a native fork is in the kernel.
    let forking = crate::fork::in_progress(cx);
    loop {
        let delivery = {
            let mut st = shared.lock();
            loop {
                if let Some(s) = ended(&st.kernel, pid) {
                    return Err(GuestExit(s).into());
                }
                if !st.kernel.is_stopped(pid) {
                    break;
                }
                let seen = st.seq;
                st = shared.park(st, seen, None);
            }
            if forking {
                return Ok(());
            }
            let d = st.kernel.next_signal(pid);
            let gone = ended(&st.kernel, pid);
            shared.publish(&mut st);
            if let Some(s) = gone {
                return Err(GuestExit(s).into());
            }
            match d {
                Some(d) => d,
                None => return Ok(()),
            }
        };
        run_handler(cx, &delivery)?;
        shared.with_kernel(|k| k.signal_return(pid));
    }
}

/// Calls one handler (see the module docs for the calling convention).
fn run_handler(cx: &mut StoreContextMut<'_, ProcState>, d: &Delivery) -> wasmtime::Result<()> {
    let data = cx.data();
    let (table, sp, mem) = (data.table, data.stack_pointer, data.memory);
    let func = match table.map(|t| t.get(cx.as_context_mut(), u64::from(d.handler))) {
        Some(Some(Ref::Func(Some(f)))) => f,
        _ => return fault(cx, d, "is not a function"),
    };
    let ty = func.ty(&*cx);
    let params: Vec<_> = ty.params().collect();
    let unit = ty.results().len() == 0;
    let is_i32 = |v: &wasmtime::ValType| matches!(v, wasmtime::ValType::I32);
    let with_info = match params.len() {
        1 if unit && is_i32(&params[0]) => false,
        3 if unit && params.iter().all(is_i32) => true,
        _ => return fault(cx, d, "has the wrong type"),
    };
    let Some(sp) = sp else {
        if with_info {
            return fault(cx, d, "needs __stack_pointer to receive its siginfo");
        }
        cx.data_mut().handler_depth += 1;
        let r = func.call(cx.as_context_mut(), &[Val::I32(d.sig as i32)], &mut []);
        cx.data_mut().handler_depth -= 1;
        return r;
    };
    // Below the red zone a leaf function may be using without having moved
    // the stack pointer (the epoch callback can interrupt one).
    let old = sp.get(cx.as_context_mut()).i32().unwrap_or(0) as u32;
    let base = old.wrapping_sub(RED_ZONE) & !15;
    let new = if with_info { base.wrapping_sub(SIGINFO_SIZE) } else { base };
    if new >= old {
        return fault(cx, d, "has no stack left to run on");
    }
    let args = if with_info {
        if mem.is_none_or(|m| m.write(cx.as_context_mut(), new as usize, &d.siginfo).is_err()) {
            return fault(cx, d, "has no stack left to receive its siginfo");
        }
        vec![Val::I32(d.sig as i32), Val::I32(new as i32), Val::I32(0)]
    } else {
        vec![Val::I32(d.sig as i32)]
    };
    sp.set(cx.as_context_mut(), Val::I32(new as i32))?;
    cx.data_mut().handler_depth += 1;
    let r = func.call(cx.as_context_mut(), &args, &mut []);
    cx.data_mut().handler_depth -= 1;
    r?;
    sp.set(cx.as_context_mut(), Val::I32(old as i32))?;
    Ok(())
}

/// A handler that cannot be called: the process dies with `SIGSEGV`, as a
/// native one jumping to a bad handler address would.
fn fault(cx: &mut StoreContextMut<'_, ProcState>, d: &Delivery, why: &str) -> wasmtime::Result<()> {
    let (pid, name) = (cx.data().pid, cx.data().name.clone());
    stderr_line(&format!("wasmos: {name}: handler {} for signal {} {why}", d.handler, d.sig));
    let status = ExitStatus::Signal(SIGSEGV);
    cx.data().shared.with_kernel(|k| k.terminate(pid, status));
    Err(GuestExit(status).into())
}

/// The epoch deadline callback of every process store.
pub fn on_epoch(mut cx: StoreContextMut<'_, ProcState>) -> wasmtime::Result<UpdateDeadline> {
    let (pid, shared) = (cx.data().pid, cx.data().shared.clone());
    if needs_service(&shared.lock().kernel, pid) {
        // wasmtime does not re-enter this callback while it runs (a
        // deadline reached inside it traps), so a handler called from here
        // runs without epoch checks until it returns.
        cx.set_epoch_deadline(HANDLER_DEADLINE);
        service(&mut cx)?;
    }
    Ok(UpdateDeadline::Continue(1))
}

/// Bumps the epoch every [`TICK`] and fires due timers while it lives.
pub struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    pub fn start(shared: &Arc<Shared>) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, weak) = (stop.clone(), Arc::downgrade(shared));
        let thread = std::thread::Builder::new()
            .name("epoch".into())
            .spawn(move || loop {
                // Unparked by `drop`, so ending a run never waits a tick.
                std::thread::park_timeout(TICK);
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                let Some(shared) = weak.upgrade() else { return };
                shared.engine.increment_epoch();
                let mut st = shared.lock();
                if st.kernel.next_deadline().is_some_and(|d| d <= monotonic_ns()) {
                    st.kernel.tick();
                    shared.publish(&mut st);
                }
            })
            .ok();
        Ticker { stop, thread }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

/// Write end of the self-pipe the host's signal handler writes to.
static SIG_PIPE: AtomicI32 = AtomicI32::new(-1);
/// The kernel host signals go to (the current [`crate::run`]).
static SIG_TARGET: Mutex<Option<Weak<Shared>>> = Mutex::new(None);

extern "C" fn on_host_signal(sig: libc::c_int) {
    let fd = SIG_PIPE.load(Ordering::Relaxed);
    let b = sig as u8;
    // SAFETY: write(2) is async-signal-safe; one byte from a valid local.
    unsafe { libc::write(fd, (&b as *const u8).cast(), 1) };
}

/// Forwards `SIGINT`, `SIGQUIT`, `SIGTERM`, `SIGHUP` (and `SIGTSTP`,
/// `SIGWINCH` when stdin is a terminal) that the `wasmos` process receives
/// to the guests of `shared`: with a terminal on stdin, `^C`/`^\\`/`^Z` and
/// resizes go to the terminal's foreground process group
/// ([`Kernel::tty_signal`]), as the line discipline would send them;
/// otherwise, and for `SIGTERM`/`SIGHUP`, to every live process. When `^Z`
/// stopped the first process, `wasmos` stops itself (`SIGSTOP`) and, once
/// continued, sends `SIGCONT` to the stopped guests. Installed once per
/// host process; later calls retarget it.
pub fn forward_host_signals(shared: &Arc<Shared>) {
    *SIG_TARGET.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::downgrade(shared));
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let mut fds = [0; 2];
        // SAFETY: pipe2 fills two descriptors.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return;
        }
        SIG_PIPE.store(fds[1], Ordering::Relaxed);
        let tty = crate::host_services::classify_fd(0) == wasmos_kernel::StreamKind::Tty;
        let reader = fds[0];
        if std::thread::Builder::new().name("signals".into()).spawn(move || forward_loop(reader, tty)).is_err() {
            return;
        }
        let mut sigs = vec![libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP];
        if tty {
            sigs.extend([libc::SIGTSTP, libc::SIGWINCH]);
        }
        for sig in sigs {
            // SAFETY: installs a handler that only calls write(2).
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_host_signal as extern "C" fn(libc::c_int) as usize;
                sa.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
}

fn forward_loop(fd: i32, tty: bool) {
    loop {
        let mut b = 0u8;
        // SAFETY: reads one byte into a valid local.
        let n = unsafe { libc::read(fd, (&mut b as *mut u8).cast(), 1) };
        if n <= 0 {
            if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return;
        }
        let sig = i32::from(b);
        let target = SIG_TARGET.lock().unwrap_or_else(|e| e.into_inner()).as_ref().and_then(Weak::upgrade);
        let Some(shared) = target else { continue };
        let first_stopped = shared.with_kernel(|k| {
            if tty && matches!(sig, libc::SIGINT | libc::SIGQUIT | libc::SIGTSTP | libc::SIGWINCH) {
                k.tty_signal(sig as u32);
            } else {
                for pid in live_pids(k) {
                    let _ = k.send(pid, sig as u32);
                }
            }
            k.is_stopped(FIRST_PID)
        });
        if sig == libc::SIGTSTP && first_stopped {
            // `^Z` stopped the program we run: stop ourselves too, so the
            // user's shell gets its terminal back, and continue the guests
            // when it continues us (`fg`).
            // SAFETY: raise only sends a signal to this process.
            unsafe { libc::raise(libc::SIGSTOP) };
            shared.with_kernel(|k| {
                let stopped: Vec<u32> = live_pids(k).into_iter().filter(|&p| k.is_stopped(p)).collect();
                for pid in stopped {
                    let _ = k.send(pid, libc::SIGCONT as u32);
                }
            });
        }
    }
}

/// Every process that has not ended.
pub fn live_pids(k: &Kernel) -> Vec<u32> {
    k.snapshot().procs.procs.values().filter(|p| p.state == KState::Running).map(|p| p.pid).collect()
}

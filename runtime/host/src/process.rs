//! A process: one wasmtime instance running on its own OS thread.
//!
//! The instance's imports are the kernel's entry points: `wasmos.syscall`
//! forwards to [`wasmos_kernel::Kernel::syscall`] and parks the thread while
//! the call is pending, then runs signal handlers ([`crate::signals`]);
//! `execve` replaces the instance on the same thread ([`ExecNew`]) and
//! `wasmos_spawn` starts a child on a new one ([`start_thread`]);
//! `wasmos.fork`/`wasmos.vfork` unwind the instance and [`Process::run`]
//! forks it ([`crate::fork`]); `wasmos.longjmp_unwind` and `env.invoke_*` implement
//! setjmp/longjmp ([`crate::sjlj`]).

use std::sync::Arc;
use std::thread::JoinHandle;

use wasmos_kernel::abi::syscalls::nr as sysnr;
use wasmos_kernel::abi::{FORK_IMPORT, IMPORT_MODULE, SYSCALL_IMPORT, VFORK_IMPORT};
use wasmos_kernel::{strace, Errno, ExecImage, ExitStatus, Outcome, RESTART_SYSCALL};
use wasmtime::{AsContextMut, Caller, Engine, Instance, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, TypedFunc};

use crate::error::LoadError;
use crate::host_services::{stderr_line, write_all_fd};
use crate::memory::GuestMemory;
use crate::shared::Shared;
use crate::sjlj::{self, SjljExports, STACK_POINTER_EXPORT, TABLE_EXPORT};
use crate::{load, trap};

/// Host stack for a process thread: wasmtime's default wasm stack limit
/// (512 KiB) plus room for host frames and nested `invoke_*` calls.
const THREAD_STACK: usize = 8 << 20;

/// Raised by the syscall import when the kernel says the process ended;
/// wasmtime unwinds the guest and [`Process::run`] collects the status.
#[derive(Debug, thiserror::Error)]
#[error("process exited ({0:?})")]
pub struct GuestExit(pub ExitStatus);

/// A compiled program and the name its messages use.
pub struct Program {
    pub module: Module,
    /// The path as the user gave it.
    pub name: String,
}

/// Per-process data in the wasmtime store.
pub struct ProcState {
    pub pid: u32,
    pub shared: Arc<Shared>,
    /// The program's name for messages (the path it was started or
    /// exec'd as).
    pub name: String,
    /// The compiled program this instance runs (fork instantiates it
    /// again for the child).
    pub module: Module,
    /// The exported `memory`, cached after instantiation
    /// (`Caller::get_export` is too slow for every syscall).
    pub memory: Option<wasmtime::Memory>,
    pub sjlj: Option<SjljExports>,
    /// `__indirect_function_table` and `__stack_pointer`, for signal
    /// handlers ([`crate::signals`]).
    pub table: Option<wasmtime::Table>,
    pub stack_pointer: Option<wasmtime::Global>,
    /// The fork protocol's exports, if the module was rewritten.
    pub fork: Option<crate::fork::ForkExports>,
    /// A fork the import started and `_start` has not yet unwound to.
    pub fork_pending: Option<crate::fork::Pending>,
    /// Signal handlers the engine is running (fork cannot unwind them).
    pub handler_depth: u32,
    limits: StoreLimits,
}

/// An instantiated process, ready to run.
pub struct Process {
    pub(crate) store: Store<ProcState>,
    pub(crate) instance: Instance,
    start: TypedFunc<(), ()>,
    name: String,
}

/// Raised by the syscall import after a successful `execve`: the old
/// instance unwinds and [`Process::run`] starts this program in its place.
#[derive(Debug, thiserror::Error)]
#[error("exec {}", .0.name)]
pub struct ExecNew(pub Program);

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program").field("name", &self.name).finish_non_exhaustive()
    }
}

/// The linker with every import the runtime provides for `module`.
pub fn linker(engine: &Engine, module: &Module) -> wasmtime::Result<Linker<ProcState>> {
    let mut l = Linker::new(engine);
    l.func_wrap(IMPORT_MODULE, SYSCALL_IMPORT, syscall)?;
    l.func_wrap(IMPORT_MODULE, FORK_IMPORT, crate::fork::fork_import)?;
    l.func_wrap(IMPORT_MODULE, VFORK_IMPORT, crate::fork::vfork_import)?;
    sjlj::define(&mut l, module)?;
    Ok(l)
}

/// Checks what [`Process::instantiate`] needs from a compiled module's
/// exports, before anything is committed (`execve`, `wasmos_spawn`).
pub fn check_exports(program: &Program) -> Result<(), LoadError> {
    let missing = |name: &str, why: &'static str| LoadError::MissingExport { path: program.name.clone(), name: name.to_string(), why };
    let m = &program.module;
    match m.get_export("memory") {
        Some(wasmtime::ExternType::Memory(_)) => {}
        _ => return Err(missing("memory", "")),
    }
    match m.get_export("_start") {
        Some(wasmtime::ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => Ok(()),
        _ => Err(missing("_start", " as a function of no arguments")),
    }
}

/// Starts `program` as kernel process `pid` on a new thread, registered
/// with `shared` (for [`crate::run`] to join). For processes one process
/// starts for another (`wasmos_spawn`).
pub fn start_thread(shared: &Arc<Shared>, program: &Program, pid: u32) -> Result<(), LoadError> {
    let process = Process::instantiate(shared.clone(), program, pid)?;
    let handle = process.spawn().map_err(|e| LoadError::Instantiate { path: program.name.clone(), message: e.to_string() })?;
    shared.add_thread(pid, handle);
    Ok(())
}

impl Process {
    /// Instantiates `program` as kernel process `pid`. The shared
    /// `max_memory` caps linear memory in bytes, for `memory.grow` as well
    /// as `brk`/`mmap`.
    pub fn instantiate(shared: Arc<Shared>, program: &Program, pid: u32) -> Result<Process, LoadError> {
        let path = || program.name.clone();
        let missing = |name: &str, why: &'static str| LoadError::MissingExport { path: path(), name: name.to_string(), why };
        let inst_err = |e: wasmtime::Error| LoadError::Instantiate { path: path(), message: format!("{e:#}") };
        let module = &program.module;
        let engine = module.engine();
        let mut limits = StoreLimitsBuilder::new();
        if let Some(max) = shared.max_memory {
            limits = limits.memory_size(usize::try_from(max).unwrap_or(usize::MAX));
        }
        let data = ProcState {
            pid,
            shared,
            name: program.name.clone(),
            module: module.clone(),
            memory: None,
            sjlj: None,
            table: None,
            stack_pointer: None,
            fork: None,
            fork_pending: None,
            handler_depth: 0,
            limits: limits.build(),
        };
        let mut store = Store::new(engine, data);
        store.limiter(|d| &mut d.limits);
        store.epoch_deadline_callback(crate::signals::on_epoch);
        store.set_epoch_deadline(1);
        let instance: Instance = linker(engine, module).and_then(|l| l.instantiate(&mut store, module)).map_err(inst_err)?;
        let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| missing("memory", ""))?;
        store.data_mut().memory = Some(memory);
        let table = instance.get_table(&mut store, TABLE_EXPORT);
        let stack_pointer = instance.get_global(&mut store, STACK_POINTER_EXPORT);
        store.data_mut().table = table;
        store.data_mut().stack_pointer = stack_pointer;
        store.data_mut().fork = crate::fork::ForkExports::lookup(&mut store, &instance);
        if sjlj::uses_sjlj(module) {
            const WHY: &str = " (its setjmp/longjmp imports need it)";
            let table = table.ok_or_else(|| missing(TABLE_EXPORT, WHY))?;
            let stack_pointer = stack_pointer.ok_or_else(|| missing(STACK_POINTER_EXPORT, WHY))?;
            store.data_mut().sjlj = Some(SjljExports { table, stack_pointer });
        }
        let start =
            instance.get_typed_func::<(), ()>(&mut store, "_start").map_err(|_| missing("_start", " as a function of no arguments"))?;
        Ok(Process { store, instance, start, name: program.name.clone() })
    }

    /// Runs the process on a new thread; the handle yields its exit status.
    pub fn spawn(self) -> std::io::Result<JoinHandle<ExitStatus>> {
        let pid = self.store.data().pid;
        std::thread::Builder::new().name(format!("pid {pid}")).stack_size(THREAD_STACK).spawn(move || self.run())
    }

    /// Runs `_start` to the end on this thread (and the `_start` of every
    /// program it execs), records how the process ended in the kernel and
    /// reaps it if nobody can wait for it. Returning from `_start` is
    /// `exit(0)`.
    pub fn run(mut self) -> ExitStatus {
        let pid = self.store.data().pid;
        let shared = self.store.data().shared.clone();
        let status = loop {
            let e = match self.start.call(&mut self.store, ()).and_then(|()| crate::fork::finish(&mut self)) {
                // Unwound by a fork and rewound: run `_start` again.
                Ok(true) => continue,
                Ok(false) => break ExitStatus::Code(0),
                Err(e) => e,
            };
            if let Some(GuestExit(s)) = e.downcast_ref::<GuestExit>() {
                break *s;
            }
            match e.downcast::<ExecNew>() {
                Ok(ExecNew(program)) => match Process::instantiate(shared.clone(), &program, pid) {
                    Ok(p) => self = p,
                    Err(e) => {
                        // Past the point of no return, as a Linux exec
                        // failing after the old image is gone.
                        stderr_line(&format!("wasmos: {e}"));
                        break ExitStatus::Signal(trap::SIGKILL);
                    }
                },
                Err(e) => {
                    let (msg, s) = trap::report(&self.name, &e);
                    stderr_line(&format!("wasmos: {msg}"));
                    break s;
                }
            }
        };
        let (status, many) = shared.with_kernel(|k| {
            if k.snapshot().procs.get(pid).is_none() {
                // Reaped before its code noticed it was killed.
                return (status, false);
            }
            k.terminate(pid, status);
            let status = k.exit_status(pid).unwrap_or(status);
            k.reap(pid);
            (status, k.process_count() > 0)
        });
        if shared.strace {
            let what = match status {
                ExitStatus::Code(c) => format!("exited with {c}"),
                ExitStatus::Signal(s) => format!("killed by {}", signal_name(s)),
            };
            stderr_line(&format!("{}+++ {what} +++", if many { format!("[pid {pid}] ") } else { String::new() }));
        }
        status
    }
}

fn signal_name(sig: u32) -> String {
    match wasmos_kernel::abi::flags::SIGNAL_NAMES.get(sig as usize) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => format!("signal {sig}"),
    }
}

/// `wasmos.syscall(nr, a0..a5) -> i32`.
#[allow(clippy::too_many_arguments)]
fn syscall(mut caller: Caller<'_, ProcState>, nr: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32) -> wasmtime::Result<i32> {
    let (nr, args) = (nr as u32, [a0, a1, a2, a3, a4, a5].map(|a| a as u32));
    let data = caller.data();
    let pid = data.pid;
    let shared = data.shared.clone();
    let mem = match data.memory {
        Some(m) => m,
        // Only a module's start function can get here before
        // instantiation finished.
        None => match caller.get_export("memory").and_then(|e| e.into_memory()) {
            Some(m) => m,
            None => wasmtime::bail!("syscall from a module without an exported memory"),
        },
    };
    if nr == sysnr::execve || nr == sysnr::wasmos_spawn {
        let v = if nr == sysnr::execve { execve(&mut caller, mem, args)? } else { spawn(&mut caller, mem, args) };
        if shared.strace {
            let gm = GuestMemory { store: caller.as_context_mut(), mem };
            let line = strace::format_call(nr, &args, &gm, v);
            trace_line(shared.lock().kernel.process_count(), pid, &line);
        }
        crate::signals::service(&mut caller.as_context_mut())?;
        return Ok(v as i32);
    }
    let mut st = shared.lock();
    let mut retry = false;
    loop {
        let outcome = {
            let mut gm = GuestMemory { store: caller.as_context_mut(), mem };
            st.kernel.syscall(pid, &mut gm, nr, args, retry)
        };
        shared.publish(&mut st);
        match outcome {
            Outcome::Return(v) if v == Errno::ESRCH.neg() && crate::signals::ended(&st.kernel, pid).is_some() => {
                // Killed and reaped before it got here.
                return Err(GuestExit(ExitStatus::Signal(trap::SIGKILL)).into());
            }
            Outcome::Return(RESTART_SYSCALL) => {
                // Interrupted by a handler with SA_RESTART: run it, then
                // issue the call afresh.
                drop(st);
                crate::signals::service(&mut caller.as_context_mut())?;
                st = shared.lock();
                retry = false;
            }
            Outcome::Return(v) => {
                if shared.strace {
                    let gm = GuestMemory { store: caller.as_context_mut(), mem };
                    let line = strace::format_call(nr, &args, &gm, v);
                    trace_line(st.kernel.process_count(), pid, &line);
                }
                if crate::signals::needs_service(&st.kernel, pid) {
                    drop(st);
                    crate::signals::service(&mut caller.as_context_mut())?;
                }
                return Ok(v as i32);
            }
            Outcome::Exit(status) => {
                if shared.strace {
                    let gm = GuestMemory { store: caller.as_context_mut(), mem };
                    let line = strace::format_noreturn(nr, &args, &gm);
                    trace_line(st.kernel.process_count() + 1, pid, &line);
                }
                return Err(GuestExit(status).into());
            }
            Outcome::Pending(p) => {
                let seen = st.seq;
                st = shared.park(st, seen, p.deadline);
                retry = true;
            }
        }
    }
}

/// Compiles an image the kernel resolved, with the shared module cache;
/// `None` (the caller answers `ENOEXEC`) if it is not a program we can run.
fn compile(shared: &Shared, image: &ExecImage) -> Option<Program> {
    let name = String::from_utf8_lossy(&image.path).into_owned();
    let module = match load::load_bytes(&shared.engine, &shared.cache, &image.binary, &name) {
        Ok(m) => m,
        Err(e) => {
            tracing::debug!("exec: {e}");
            return None;
        }
    };
    let program = Program { module, name };
    match check_exports(&program) {
        Ok(()) => Some(program),
        Err(e) => {
            tracing::debug!("exec: {e}");
            None
        }
    }
}

/// Syscall `execve`, the engine's half (see `docs/abi.md`, "exec"):
/// returns `-errno` to the caller, or unwinds the instance with
/// [`ExecNew`] once the kernel committed the new image.
fn execve(caller: &mut Caller<'_, ProcState>, mem: wasmtime::Memory, args: [u32; 6]) -> wasmtime::Result<i64> {
    let (pid, shared) = (caller.data().pid, caller.data().shared.clone());
    let image = {
        let mut st = shared.lock();
        let mut gm = GuestMemory { store: caller.as_context_mut(), mem };
        let r = st.kernel.execve(pid, &mut gm, args);
        shared.publish(&mut st);
        match r {
            Ok(image) => image,
            Err(e) => return Ok(e.neg()),
        }
    };
    // Compiling may take a while: not under the kernel lock.
    let Some(program) = compile(&shared, &image) else {
        return Ok(Errno::ENOEXEC.neg());
    };
    let mut st = shared.lock();
    if let Some(s) = st.kernel.exit_status(pid) {
        return Err(GuestExit(s).into());
    }
    st.kernel.exec_commit(pid, &image);
    shared.publish(&mut st);
    if shared.strace {
        let gm = GuestMemory { store: caller.as_context_mut(), mem };
        trace_line(st.kernel.process_count(), pid, &strace::format_call(sysnr::execve, &args, &gm, 0));
    }
    Err(ExecNew(program).into())
}

/// Syscall `wasmos_spawn` (posix_spawn), the engine's half: the kernel
/// prepares the child, the engine compiles its program and starts it on
/// a new thread. Returns the child's pid or `-errno`.
fn spawn(caller: &mut Caller<'_, ProcState>, mem: wasmtime::Memory, args: [u32; 6]) -> i64 {
    let (pid, shared) = (caller.data().pid, caller.data().shared.clone());
    let spawned = {
        let mut st = shared.lock();
        let mut gm = GuestMemory { store: caller.as_context_mut(), mem };
        let r = st.kernel.spawn_prepare(pid, &mut gm, args);
        shared.publish(&mut st);
        match r {
            Ok(s) => s,
            Err(e) => return e.neg(),
        }
    };
    let child = spawned.pid;
    let abort = |e: Errno| {
        shared.with_kernel(|k| k.spawn_abort(child));
        e.neg()
    };
    let Some(program) = compile(&shared, &spawned.image) else {
        return abort(Errno::ENOEXEC);
    };
    shared.with_kernel(|k| k.exec_commit(child, &spawned.image));
    match start_thread(&shared, &program, child) {
        Ok(()) => child as i64,
        Err(e) => {
            tracing::debug!("spawn: {e}");
            abort(Errno::EAGAIN)
        }
    }
}

/// Prints one strace line, prefixed with the pid when several processes
/// exist (as strace -f does).
fn trace_line(processes: usize, pid: u32, line: &str) {
    let text = if processes > 1 { format!("[pid {pid}] {line}\n") } else { format!("{line}\n") };
    let _ = write_all_fd(2, text.as_bytes());
}

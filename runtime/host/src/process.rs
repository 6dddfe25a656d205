//! A process: one wasmtime instance running on its own OS thread.
//!
//! The instance's imports are the kernel's entry points: `wasmos.syscall`
//! forwards to [`wasmos_kernel::Kernel::syscall`] and parks the thread while
//! the call is pending; `wasmos.fork`/`wasmos.vfork` return `-ENOSYS` until
//! the process model lands; `wasmos.longjmp_unwind` and `env.invoke_*`
//! implement setjmp/longjmp ([`crate::sjlj`]).

use std::sync::Arc;
use std::thread::JoinHandle;

use wasmos_kernel::abi::{FORK_IMPORT, IMPORT_MODULE, SYSCALL_IMPORT, VFORK_IMPORT};
use wasmos_kernel::{strace, Errno, ExitStatus, Outcome};
use wasmtime::{AsContextMut, Caller, Engine, Instance, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, TypedFunc};

use crate::error::LoadError;
use crate::host_services::{stderr_line, write_all_fd};
use crate::memory::GuestMemory;
use crate::shared::Shared;
use crate::sjlj::{self, SjljExports, STACK_POINTER_EXPORT, TABLE_EXPORT};
use crate::trap;

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
    /// The exported `memory`, cached after instantiation
    /// (`Caller::get_export` is too slow for every syscall).
    pub memory: Option<wasmtime::Memory>,
    pub sjlj: Option<SjljExports>,
    limits: StoreLimits,
}

/// An instantiated process, ready to run.
pub struct Process {
    store: Store<ProcState>,
    start: TypedFunc<(), ()>,
    name: String,
}

/// The linker with every import the runtime provides for `module`.
pub fn linker(engine: &Engine, module: &Module) -> wasmtime::Result<Linker<ProcState>> {
    let mut l = Linker::new(engine);
    l.func_wrap(IMPORT_MODULE, SYSCALL_IMPORT, syscall)?;
    l.func_wrap(IMPORT_MODULE, FORK_IMPORT, || -> i32 { Errno::ENOSYS.neg() as i32 })?;
    l.func_wrap(IMPORT_MODULE, VFORK_IMPORT, || -> i32 { Errno::ENOSYS.neg() as i32 })?;
    sjlj::define(&mut l, module)?;
    Ok(l)
}

impl Process {
    /// Instantiates `program` as kernel process `pid`. `max_memory` caps
    /// linear memory in bytes, for `memory.grow` as well as `brk`/`mmap`.
    pub fn instantiate(shared: Arc<Shared>, program: &Program, pid: u32, max_memory: Option<u64>) -> Result<Process, LoadError> {
        let path = || program.name.clone();
        let missing = |name: &str, why: &'static str| LoadError::MissingExport { path: path(), name: name.to_string(), why };
        let inst_err = |e: wasmtime::Error| LoadError::Instantiate { path: path(), message: format!("{e:#}") };
        let module = &program.module;
        let engine = module.engine();
        let mut limits = StoreLimitsBuilder::new();
        if let Some(max) = max_memory {
            limits = limits.memory_size(usize::try_from(max).unwrap_or(usize::MAX));
        }
        let data = ProcState { pid, shared, memory: None, sjlj: None, limits: limits.build() };
        let mut store = Store::new(engine, data);
        store.limiter(|d| &mut d.limits);
        let instance: Instance = linker(engine, module).and_then(|l| l.instantiate(&mut store, module)).map_err(inst_err)?;
        let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| missing("memory", ""))?;
        store.data_mut().memory = Some(memory);
        if sjlj::uses_sjlj(module) {
            const WHY: &str = " (its setjmp/longjmp imports need it)";
            let table = instance.get_table(&mut store, TABLE_EXPORT).ok_or_else(|| missing(TABLE_EXPORT, WHY))?;
            let stack_pointer = instance.get_global(&mut store, STACK_POINTER_EXPORT).ok_or_else(|| missing(STACK_POINTER_EXPORT, WHY))?;
            store.data_mut().sjlj = Some(SjljExports { table, stack_pointer });
        }
        let start =
            instance.get_typed_func::<(), ()>(&mut store, "_start").map_err(|_| missing("_start", " as a function of no arguments"))?;
        Ok(Process { store, start, name: program.name.clone() })
    }

    /// Runs the process on a new thread; the handle yields its exit status.
    pub fn spawn(self) -> std::io::Result<JoinHandle<ExitStatus>> {
        let pid = self.store.data().pid;
        std::thread::Builder::new().name(format!("pid {pid}")).stack_size(THREAD_STACK).spawn(move || self.run())
    }

    /// Runs `_start` to the end on this thread and records how the process
    /// ended in the kernel. Returning from `_start` is `exit(0)`.
    pub fn run(mut self) -> ExitStatus {
        let pid = self.store.data().pid;
        let shared = self.store.data().shared.clone();
        let status = match self.start.call(&mut self.store, ()) {
            Ok(()) => ExitStatus::Code(0),
            Err(e) => match e.downcast_ref::<GuestExit>() {
                Some(GuestExit(s)) => *s,
                None => {
                    let (msg, s) = trap::report(&self.name, &e);
                    stderr_line(&format!("wasmos: {msg}"));
                    s
                }
            },
        };
        let (status, many) = shared.with_kernel(|k| {
            k.terminate(pid, status);
            (k.exit_status(pid).unwrap_or(status), k.process_count() > 0)
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
    let mut st = shared.lock();
    let mut retry = false;
    loop {
        let outcome = {
            let mut gm = GuestMemory { store: caller.as_context_mut(), mem };
            st.kernel.syscall(pid, &mut gm, nr, args, retry)
        };
        shared.publish(&mut st);
        match outcome {
            Outcome::Return(v) => {
                if shared.strace {
                    let gm = GuestMemory { store: caller.as_context_mut(), mem };
                    let line = strace::format_call(nr, &args, &gm, v);
                    trace_line(st.kernel.process_count(), pid, &line);
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

/// Prints one strace line, prefixed with the pid when several processes
/// exist (as strace -f does).
fn trace_line(processes: usize, pid: u32, line: &str) {
    let text = if processes > 1 { format!("[pid {pid}] {line}\n") } else { format!("{line}\n") };
    let _ = write_all_fd(2, text.as_bytes());
}

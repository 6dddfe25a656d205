//! `wasmos.fork` and `wasmos.vfork` on the host engine: the engine's half
//! of the fork rewriting protocol (`docs/abi.md`, "Fork rewriting").
//!
//! The import prepares a buffer just below the shadow stack (past the
//! 128-byte red zone), calls `__wasmos_fork_start_unwind(buf)` and
//! returns; the instrumented frames save themselves into the buffer and
//! `_start` returns with `__wasmos_fork_state == 1`. [`Process::run`]
//! then calls [`finish`]: `__wasmos_fork_stop()`, `Kernel::fork`, a new
//! instance of the same module with the parent's linear memory and every
//! exported mutable global copied in, `__wasmos_fork_start_rewind(buf,
//! result)` in both instances and `_start` again in both (the child on its
//! own thread). A kernel refusal (`EAGAIN`) or a failure to build the
//! child rewinds the parent alone with `-errno`.
//!
//! `vfork` is a fork (the parent is not suspended; the child gets its own
//! copy of memory, which is all POSIX lets a vfork child rely on anyway).
//!
//! A module is taken to be rewritten when it exports the protocol's
//! functions and state global (the rewriter adds them together with the
//! `wasmos.fork` section; wasmtime does not expose custom sections). A fork
//! from a signal handler the engine runs cannot unwind through the
//! engine's frame: it fails with `-ENOSYS`. Signal handlers wait while an
//! instance unwinds or rewinds ([`in_progress`]); kills and stops do not.

use wasmos_kernel::Errno;
use wasmtime::{Caller, Extern, Global, Instance, Mutability, Store, StoreContextMut, TypedFunc, Val};

use crate::process::{GuestExit, ProcState, Process, Program};

pub const STATE_EXPORT: &str = "__wasmos_fork_state";
pub const START_UNWIND_EXPORT: &str = "__wasmos_fork_start_unwind";
pub const START_REWIND_EXPORT: &str = "__wasmos_fork_start_rewind";
pub const STOP_EXPORT: &str = "__wasmos_fork_stop";

/// `__wasmos_fork_state` while unwinding.
const UNWINDING: i32 = 1;
/// Bytes below `__stack_pointer` a leaf function may use (LLVM's red zone).
const RED_ZONE: u32 = 128;
/// Most buffer the unwind gets.
const BUF_MAX: u32 = 64 << 10;
/// Least buffer worth trying (else `ENOMEM`).
const BUF_MIN: u32 = 4 << 10;

/// A rewritten module's protocol exports, looked up once per instance.
#[derive(Clone)]
pub struct ForkExports {
    state: Global,
    start_unwind: TypedFunc<i32, ()>,
    start_rewind: TypedFunc<(i32, i32), ()>,
    stop: TypedFunc<(), ()>,
}

/// What the fork import leaves for [`finish`]: the buffer and whether the
/// guest asked for `vfork` (for strace).
#[derive(Clone, Copy, Debug)]
pub struct Pending {
    buf: u32,
    vfork: bool,
}

impl ForkExports {
    /// The exports, if `instance` is of a rewritten module.
    pub fn lookup(store: &mut Store<ProcState>, instance: &Instance) -> Option<ForkExports> {
        Some(ForkExports {
            state: instance.get_global(&mut *store, STATE_EXPORT)?,
            start_unwind: instance.get_typed_func(&mut *store, START_UNWIND_EXPORT).ok()?,
            start_rewind: instance.get_typed_func(&mut *store, START_REWIND_EXPORT).ok()?,
            stop: instance.get_typed_func(&mut *store, STOP_EXPORT).ok()?,
        })
    }
}

/// Whether the instance is unwinding or rewinding for a fork (signal
/// handlers must wait: they would run instrumented code mid-protocol).
pub fn in_progress(cx: &mut StoreContextMut<'_, ProcState>) -> bool {
    match cx.data().fork.clone() {
        Some(ex) => ex.state.get(&mut *cx).i32() != Some(0),
        None => false,
    }
}

/// The `wasmos.fork` import.
pub fn fork_import(caller: Caller<'_, ProcState>) -> wasmtime::Result<i32> {
    import(caller, false)
}

/// The `wasmos.vfork` import (a fork).
pub fn vfork_import(caller: Caller<'_, ProcState>) -> wasmtime::Result<i32> {
    import(caller, true)
}

fn import(mut caller: Caller<'_, ProcState>, vfork: bool) -> wasmtime::Result<i32> {
    let data = caller.data();
    let (Some(ex), Some(sp)) = (data.fork.clone(), data.stack_pointer) else {
        return Ok(Errno::ENOSYS.neg() as i32);
    };
    if data.handler_depth > 0 || data.fork_pending.is_some() {
        return Ok(Errno::ENOSYS.neg() as i32);
    }
    if let Some(s) = crate::signals::ended(&data.shared.lock().kernel, data.pid) {
        return Err(GuestExit(s).into());
    }
    let Some(mem) = data.memory else {
        return Ok(Errno::ENOSYS.neg() as i32);
    };
    let sp = sp.get(&mut caller).i32().unwrap_or(0) as u32;
    let end = sp.saturating_sub(RED_ZONE) & !7;
    let size = end.min(BUF_MAX);
    if size < BUF_MIN {
        return Ok(Errno::ENOMEM.neg() as i32);
    }
    let buf = end - size;
    let mut header = [0u8; 8];
    header[..4].copy_from_slice(&(buf + 8).to_le_bytes());
    header[4..].copy_from_slice(&end.to_le_bytes());
    if mem.write(&mut caller, buf as usize, &header).is_err() {
        return Ok(Errno::ENOMEM.neg() as i32);
    }
    caller.data_mut().fork_pending = Some(Pending { buf, vfork });
    ex.start_unwind.call(&mut caller, buf as i32)?;
    Ok(0)
}

/// Called when `_start` returned normally: if it returned because a fork
/// unwound it, does the fork and rewinds this instance (the caller then
/// calls `_start` again: `Ok(true)`). `Ok(false)` is an ordinary return.
pub fn finish(p: &mut Process) -> wasmtime::Result<bool> {
    let Some(ex) = p.store.data().fork.clone() else {
        return Ok(false);
    };
    if ex.state.get(&mut p.store).i32() != Some(UNWINDING) {
        p.store.data_mut().fork_pending = None;
        return Ok(false);
    }
    let Some(pending) = p.store.data_mut().fork_pending.take() else {
        wasmtime::bail!("_start returned while unwinding for a fork that was not started");
    };
    ex.stop.call(&mut p.store, ())?;
    let (pid, shared) = (p.store.data().pid, p.store.data().shared.clone());
    let result = match shared.with_kernel(|k| k.fork(pid)) {
        Err(e) => e.neg() as i32,
        Ok(child) => match start_child(p, child, pending.buf) {
            Ok(()) => child as i32,
            Err(e) => {
                tracing::debug!("fork: {e:#}");
                // Never seen by anyone: removed silently, as a failed spawn.
                shared.with_kernel(|k| k.spawn_abort(child));
                Errno::ENOMEM.neg() as i32
            }
        },
    };
    if shared.strace {
        let name = if pending.vfork { "vfork" } else { "fork" };
        let line = format!("{name}() = {result}\n");
        let n = shared.lock().kernel.process_count();
        let text = if n > 1 { format!("[pid {pid}] {line}") } else { line };
        let _ = crate::host_services::write_all_fd(2, text.as_bytes());
    }
    ex.start_rewind.call(&mut p.store, (pending.buf as i32, result))?;
    Ok(true)
}

/// Instantiates the module again as `child`, copies memory and globals,
/// rewinds it with 0 and starts it on its own thread.
fn start_child(p: &mut Process, child: u32, buf: u32) -> wasmtime::Result<()> {
    let data = p.store.data();
    let program = Program { module: data.module.clone(), name: data.name.clone() };
    let shared = data.shared.clone();
    let mut c = Process::instantiate(shared.clone(), &program, child)?;
    // Linear memory.
    let (Some(pm), Some(cm)) = (p.store.data().memory, c.store.data().memory) else {
        wasmtime::bail!("no memory");
    };
    let (psize, csize) = (pm.size(&p.store), cm.size(&c.store));
    if csize < psize {
        cm.grow(&mut c.store, psize - csize)?;
    }
    let bytes = pm.data(&p.store);
    cm.data_mut(&mut c.store)[..bytes.len()].copy_from_slice(bytes);
    // Every exported mutable global (the rewriter exports all of them).
    for export in program.module.exports() {
        if export.ty().global().is_none_or(|g| g.mutability() != Mutability::Var) {
            continue;
        }
        let (Some(Extern::Global(pg)), Some(Extern::Global(cg))) =
            (p.instance.get_export(&mut p.store, export.name()), c.instance.get_export(&mut c.store, export.name()))
        else {
            continue;
        };
        let v = pg.get(&mut p.store);
        let v = match v {
            Val::I32(_) | Val::I64(_) | Val::F32(_) | Val::F64(_) | Val::V128(_) => v,
            _ => continue, // references cannot cross stores (C never has them)
        };
        cg.set(&mut c.store, v)?;
    }
    let Some(ex) = c.store.data().fork.clone() else {
        wasmtime::bail!("the child has no fork exports");
    };
    ex.start_rewind.call(&mut c.store, (buf as i32, 0))?;
    let handle = c.spawn()?;
    shared.add_thread(child, handle);
    Ok(())
}

//! `wasmos_spawn`: `posix_spawn` without fork.
//!
//! ```text
//! wasmos_spawn(path, argv, envp, actions, nactions, attr) -> pid | -errno
//! ```
//!
//! `path`, `argv`, `envp` are `execve`'s. `actions` points to `nactions`
//! records of 24 bytes, applied in order in the child:
//!
//! | offset | field | |
//! | --- | --- | --- |
//! | 0 | `u32 op` | 1 close, 2 dup2, 3 open, 4 chdir, 5 fchdir |
//! | 4 | `i32 fd` | the descriptor acted on (dup2/open: the target) |
//! | 8 | `i32 srcfd` | dup2: the source |
//! | 12 | `u32 oflag` | open: `O_*` flags |
//! | 16 | `u32 mode` | open: creation mode |
//! | 20 | `u32 path` | open, chdir: a NUL-terminated path |
//!
//! `attr` is 0 or a 24-byte record `{ u32 flags; i32 pgroup; u64 sigdef;
//! u64 sigmask }` with musl's `POSIX_SPAWN_*` flags (`RESETIDS` 1,
//! `SETPGROUP` 2, `SETSIGDEF` 4, `SETSIGMASK` 8, `SETSID` 128; the
//! scheduling flags are accepted and ignored) and the first 64 signals of
//! the default and mask sets.
//!
//! Like `execve`, it needs the engine (a new instance on a new thread), so
//! through [`Kernel::syscall`] it answers `ENOSYS`; an engine that can
//! start processes handles the number itself, in two steps:
//!
//! 1. [`Kernel::spawn_prepare`] creates the child as `fork` does (shared
//!    open file descriptions), applies the attributes (`setsid`,
//!    `setpgid`, ids, default actions, in musl's order), the file actions,
//!    then the mask, and resolves the program as `execve` does. Any error
//!    removes the child without a trace (no `SIGCHLD`) and comes back as
//!    `-errno`: `ENOENT`, `EACCES`, `ENOEXEC`, `EBADF` from an action...
//! 2. The engine compiles [`Spawned::image`]. If that fails it calls
//!    [`Kernel::spawn_abort`] and returns `-ENOEXEC`; otherwise it calls
//!    [`Kernel::exec_commit`] for the child, starts it running `_start`,
//!    and returns the child's pid to the parent.

use super::*;
use crate::abi::flags::*;
use crate::abi::syscalls::nr;
use crate::engine::ExecImage;
use crate::process::SigAction;
use crate::Kernel;

/// One file action record's size in guest memory.
pub const SPAWN_ACTION_SIZE: u32 = 24;
/// The attribute record's size.
pub const SPAWN_ATTR_SIZE: u32 = 24;
/// File action opcodes.
pub const SPAWN_CLOSE: u32 = 1;
pub const SPAWN_DUP2: u32 = 2;
pub const SPAWN_OPEN: u32 = 3;
pub const SPAWN_CHDIR: u32 = 4;
pub const SPAWN_FCHDIR: u32 = 5;
/// `POSIX_SPAWN_*` flags the kernel acts on.
pub const SPAWN_RESETIDS: u32 = 1;
pub const SPAWN_SETPGROUP: u32 = 2;
pub const SPAWN_SETSIGDEF: u32 = 4;
pub const SPAWN_SETSIGMASK: u32 = 8;
pub const SPAWN_SETSID: u32 = 128;
/// Most file actions one call takes.
const MAX_ACTIONS: u32 = 4096;

/// A child [`Kernel::spawn_prepare`] created, not yet running.
#[derive(Debug)]
pub struct Spawned {
    pub pid: u32,
    pub image: ExecImage,
}

/// Through [`Kernel::syscall`]: engines that can start processes handle
/// the number themselves.
pub fn wasmos_spawn(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

fn rd32(mem: &dyn Memory, addr: u32) -> Result<u32, Errno> {
    let mut b = [0u8; 4];
    mem.read(addr, &mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn rd64(mem: &dyn Memory, addr: u32) -> Result<u64, Errno> {
    let mut b = [0u8; 8];
    mem.read(addr, &mut b)?;
    Ok(u64::from_le_bytes(b))
}

impl Kernel {
    /// Step 1 of `wasmos_spawn` for `parent` with the syscall's raw
    /// arguments (see the module docs).
    pub fn spawn_prepare(&mut self, parent: u32, mem: &mut dyn Memory, args: [u32; 6]) -> Result<Spawned, Errno> {
        let [path, argv, envp, actions, nactions, attr] = args;
        if nactions > MAX_ACTIONS {
            return Err(Errno::EINVAL);
        }
        let (flags, pgroup, sigdef, sigmask) = if attr == 0 {
            (0, 0, 0, None)
        } else {
            let flags = rd32(mem, attr)?;
            let mask = rd64(mem, attr.checked_add(16).ok_or(Errno::EFAULT)?)?;
            (flags, rd32(mem, attr + 4)?, rd64(mem, attr + 8)?, (flags & SPAWN_SETSIGMASK != 0).then_some(mask))
        };
        let child = self.fork(parent)?;
        match self.spawn_setup(child, mem, [path, argv, envp], actions, nactions, (flags, pgroup, sigdef, sigmask)) {
            Ok(image) => Ok(Spawned { pid: child, image }),
            Err(e) => {
                self.spawn_abort(child);
                Err(e)
            }
        }
    }

    /// Removes a child [`Kernel::spawn_prepare`] made, silently: its
    /// parent hears nothing.
    pub fn spawn_abort(&mut self, child: u32) {
        let Some(p) = self.procs.get_mut(child) else { return };
        p.ppid = 0;
        self.terminate(child, crate::ExitStatus::Code(127));
        self.interrupts.retain(|&p| p != child);
        self.reap(child);
    }

    fn spawn_setup(
        &mut self,
        child: u32,
        mem: &mut dyn Memory,
        exec: [u32; 3],
        actions: u32,
        nactions: u32,
        (flags, pgroup, sigdef, sigmask): (u32, u32, u64, Option<u64>),
    ) -> Result<ExecImage, Errno> {
        if flags & SPAWN_SETSID != 0 {
            self.spawn_call(child, mem, nr::setsid, [0; 6])?;
        }
        if flags & SPAWN_SETPGROUP != 0 {
            self.spawn_call(child, mem, nr::setpgid, [0, pgroup, 0, 0, 0, 0])?;
        }
        if flags & SPAWN_RESETIDS != 0 {
            let p = self.proc_mut(child);
            p.euid = p.uid;
            p.egid = p.gid;
        }
        if flags & SPAWN_SETSIGDEF != 0 {
            let acts = &mut self.proc_mut(child).signals.actions;
            for sig in 1..NSIG.min(65) {
                if sigdef & (1u64 << (sig - 1)) != 0 {
                    acts[sig as usize] = SigAction::default();
                }
            }
        }
        for i in 0..nactions {
            let rec = actions.checked_add(i * SPAWN_ACTION_SIZE).ok_or(Errno::EFAULT)?;
            let mut b = [0u8; SPAWN_ACTION_SIZE as usize];
            mem.read(rec, &mut b)?;
            let f = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
            let (op, fd, src, oflag, mode, path) = (f(0), f(4), f(8), f(12), f(16), f(20));
            match op {
                // Closing a descriptor that is not open is not an error.
                SPAWN_CLOSE => drop(self.spawn_call(child, mem, nr::close, [fd, 0, 0, 0, 0, 0])),
                SPAWN_DUP2 if src == fd => {
                    let cur = self.spawn_call(child, mem, nr::fcntl, [fd, F_GETFD, 0, 0, 0, 0])?;
                    self.spawn_call(child, mem, nr::fcntl, [fd, F_SETFD, cur as u32 & !FD_CLOEXEC, 0, 0, 0])?;
                }
                SPAWN_DUP2 => drop(self.spawn_call(child, mem, nr::dup3, [src, fd, 0, 0, 0, 0])?),
                SPAWN_OPEN => {
                    let opened = self.spawn_call(child, mem, nr::openat, [AT_FDCWD as u32, path, oflag, mode, 0, 0])? as u32;
                    if opened != fd {
                        let r = self.spawn_call(child, mem, nr::dup3, [opened, fd, 0, 0, 0, 0]);
                        let _ = self.spawn_call(child, mem, nr::close, [opened, 0, 0, 0, 0, 0]);
                        r?;
                    }
                }
                SPAWN_CHDIR => drop(self.spawn_call(child, mem, nr::chdir, [path, 0, 0, 0, 0, 0])?),
                SPAWN_FCHDIR => drop(self.spawn_call(child, mem, nr::fchdir, [fd, 0, 0, 0, 0, 0])?),
                _ => return Err(Errno::EINVAL),
            }
        }
        if let Some(m) = sigmask {
            self.proc_mut(child).signals.mask = m & !crate::signal::UNBLOCKABLE;
        }
        let [path, argv, envp] = exec;
        self.execve(child, mem, [path, argv, envp, 0, 0, 0])
    }

    /// Runs one syscall handler on behalf of `child`, with pointers into
    /// the parent's memory. A call that would block fails with `EAGAIN`.
    fn spawn_call(&mut self, child: u32, mem: &mut dyn Memory, n: u32, args: [u32; 6]) -> Result<i64, Errno> {
        let saved = self.current.replace(child);
        let r = table::dispatch(self, &mut Call { pid: child, mem, args, retry: false }, n);
        self.current = saved;
        match r {
            Ok(v) => Ok(v),
            Err(Stop::Err(e)) => Err(e),
            Err(Stop::Pending(_)) => Err(Errno::EAGAIN),
            Err(Stop::Exit(_)) => Err(Errno::ECHILD),
        }
    }
}

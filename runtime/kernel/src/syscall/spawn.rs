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

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::testutil::Harness;

    /// A NULL-terminated pointer array of strings in scratch memory.
    fn strings(h: &mut Harness, v: &[&str]) -> u32 {
        let mut ptrs: Vec<u8> = Vec::new();
        for s in v {
            ptrs.extend_from_slice(&h.cstr(s).to_le_bytes());
        }
        ptrs.extend_from_slice(&[0; 4]);
        h.put(&ptrs)
    }

    fn action(op: u32, fd: i32, src: i32, oflag: u32, mode: u32, path: u32) -> Vec<u8> {
        [op, fd as u32, src as u32, oflag, mode, path].iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    fn prog(h: &mut Harness, path: &str, data: &[u8], mode: u32) {
        h.k.write_file(path.as_bytes(), data, mode).unwrap();
    }

    fn prepare(h: &mut Harness, args: [u32; 6]) -> Result<Spawned, Errno> {
        h.k.spawn_prepare(h.pid, &mut h.mem, args)
    }

    #[test]
    fn applies_actions_and_attributes_in_the_child_only() {
        let mut h = Harness::new();
        prog(&mut h, "/bin/p", b"\0asm\x01\0\0\0", 0o755);
        let (path, argv, envp) = (h.cstr("/bin/p"), strings(&mut h, &["p", "x"]), strings(&mut h, &["A=1"]));
        let out = h.cstr("/tmp/out");
        let dir = h.cstr("/tmp");
        let mut acts = action(SPAWN_OPEN, 5, 0, O_WRONLY | O_CREAT, 0o600, out);
        acts.extend(action(SPAWN_DUP2, 5, 1, 0, 0, 0));
        acts.extend(action(SPAWN_CLOSE, 5, 0, 0, 0, 0));
        acts.extend(action(SPAWN_CLOSE, 42, 0, 0, 0, 0));
        acts.extend(action(SPAWN_CHDIR, 0, 0, 0, 0, dir));
        let acts = h.put(&acts);
        let mut attr = Vec::new();
        for v in [SPAWN_SETPGROUP | SPAWN_SETSIGMASK, 0] {
            attr.extend_from_slice(&v.to_le_bytes());
        }
        attr.extend_from_slice(&0u64.to_le_bytes());
        attr.extend_from_slice(&(1u64 << 9).to_le_bytes());
        let attr = h.put(&attr);
        let s = prepare(&mut h, [path, argv, envp, acts, 5, attr]).unwrap();
        assert_eq!(s.image.path, b"/bin/p");
        assert_eq!(s.image.argv, [b"p".to_vec(), b"x".to_vec()]);
        assert_eq!(s.image.envp, [b"A=1".to_vec()]);
        let c = h.k.snapshot().procs.get(s.pid).unwrap().clone();
        assert_eq!((c.ppid, c.pgid, c.cwd_path.as_slice()), (h.pid, s.pid, &b"/tmp"[..]));
        assert_eq!(c.signals.mask, 1 << 9);
        assert!(c.fds.get(1).is_ok() && c.fds.get(5).is_err());
        // The parent is untouched.
        let p = h.k.snapshot().procs.get(h.pid).unwrap().clone();
        assert!(p.fds.get(5).is_err());
        assert_eq!(p.cwd_path, b"/");
        h.k.exec_commit(s.pid, &s.image);
        assert_eq!(h.k.snapshot().procs.get(s.pid).unwrap().argv.len(), 2);
    }

    #[test]
    fn errors_leave_no_child_behind() {
        let mut h = Harness::with_signals();
        prog(&mut h, "/bin/text", b"hello", 0o755);
        prog(&mut h, "/bin/noexec", b"\0asm", 0o644);
        let argv = strings(&mut h, &["p"]);
        let before = h.k.snapshot().procs.procs.len();
        for (path, want) in [("/nope", Errno::ENOENT), ("/bin/text", Errno::ENOEXEC), ("/bin/noexec", Errno::EACCES)] {
            let p = h.cstr(path);
            assert_eq!(prepare(&mut h, [p, argv, 0, 0, 0, 0]).unwrap_err(), want, "{path}");
        }
        let p = h.cstr("/bin/text");
        let bad = h.put(&action(SPAWN_DUP2, 1, 77, 0, 0, 0));
        assert_eq!(prepare(&mut h, [p, argv, 0, bad, 1, 0]).unwrap_err(), Errno::EBADF);
        assert_eq!(h.k.snapshot().procs.procs.len(), before);
        // No SIGCHLD reached the parent.
        assert_eq!(h.k.snapshot().procs.get(h.pid).unwrap().signals.pending, 0);
        // Through the plain syscall path engines without threads get ENOSYS.
        assert_eq!(h.sys(nr::wasmos_spawn, &[p, argv, 0, 0, 0, 0]), Errno::ENOSYS.neg());
    }
}

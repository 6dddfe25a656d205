//! Signal dispositions, masks and sending.
//!
//! Dispositions and masks are recorded exactly. Sending works for default
//! actions (terminate, ignore); running guest handlers arrives with the
//! process model, until then a signal with a handler stays pending.

use super::*;
use crate::abi::flags::*;
use crate::abi::layout::K_SIGACTION_SIZE;
use crate::engine::ExitStatus;
use crate::process::SigAction;
use crate::Kernel;

const SIG_DFL: u32 = 0;
const SIG_IGN: u32 = 1;
const SS_DISABLE: u32 = 2;
/// Signals that cannot be caught, blocked or ignored.
const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

fn bit(sig: u32) -> u64 {
    1u64 << (sig - 1)
}

fn check_sig(sig: u32) -> Result<(), Errno> {
    if sig == 0 || sig >= NSIG {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// What a signal does when its disposition is `SIG_DFL`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DefaultAction {
    Terminate,
    Ignore,
    Stop,
    Continue,
}

pub fn default_action(sig: u32) -> DefaultAction {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        _ => DefaultAction::Terminate,
    }
}

pub fn rt_sigaction(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (sig, act, oact) = (c.u32(0), c.u32(1), c.u32(2));
    check_sig(sig)?;
    if c.u32(3) != 8 {
        return Err(Errno::EINVAL.into());
    }
    if act != 0 && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL.into());
    }
    let old = k.proc(c.pid).signals.actions[sig as usize];
    if oact != 0 {
        let mut b = [0u8; K_SIGACTION_SIZE];
        b[0..4].copy_from_slice(&old.handler.to_le_bytes());
        b[4..8].copy_from_slice(&old.flags.to_le_bytes());
        b[8..12].copy_from_slice(&old.restorer.to_le_bytes());
        b[12..20].copy_from_slice(&old.mask.to_le_bytes());
        c.write_bytes(oact, &b)?;
    }
    if act != 0 {
        let b = c.read_bytes(act, K_SIGACTION_SIZE)?;
        let word = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        let new = SigAction {
            handler: word(0),
            flags: word(4),
            restorer: word(8),
            mask: u64::from_le_bytes(b[12..20].try_into().unwrap()) & !UNBLOCKABLE,
        };
        let pid = c.pid;
        let p = k.proc_mut(pid);
        p.signals.actions[sig as usize] = new;
        // Setting SIG_IGN discards a pending instance (POSIX).
        if new.handler == SIG_IGN {
            p.signals.pending &= !bit(sig);
        }
    }
    Ok(0)
}

pub fn rt_sigprocmask(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (how, set, oset) = (c.u32(0), c.u32(1), c.u32(2));
    if c.u32(3) != 8 {
        return Err(Errno::EINVAL.into());
    }
    let old = k.proc(c.pid).signals.mask;
    if set != 0 {
        let s = c.read_u64(set)?;
        let new = match how {
            SIG_BLOCK => old | s,
            SIG_UNBLOCK => old & !s,
            SIG_SETMASK => s,
            _ => return Err(Errno::EINVAL.into()),
        };
        let pid = c.pid;
        k.proc_mut(pid).signals.mask = new & !UNBLOCKABLE;
    }
    if oset != 0 {
        c.write_u64(oset, old)?;
    }
    deliver_unblocked(k, c.pid)?;
    Ok(0)
}

/// Acts on pending signals that are no longer blocked: default actions run
/// now (as Linux does on return from `sigprocmask`); signals with a guest
/// handler stay pending until handlers can run.
fn deliver_unblocked(k: &mut Kernel, pid: u32) -> Result<(), Stop> {
    let sig = &k.proc(pid).signals;
    let ready = sig.pending & !sig.mask;
    for s in 1..NSIG {
        if ready & bit(s) == 0 {
            continue;
        }
        let handler = k.proc(pid).signals.actions[s as usize].handler;
        if handler == SIG_DFL && default_action(s) == DefaultAction::Terminate {
            let status = ExitStatus::Signal(s);
            k.terminate(pid, status);
            return Err(Stop::Exit(status));
        }
        if handler == SIG_DFL || handler == SIG_IGN {
            k.proc_mut(pid).signals.pending &= !bit(s);
        }
    }
    Ok(())
}

pub fn rt_sigpending(k: &mut Kernel, c: &mut Call) -> SysResult {
    let p = &k.proc(c.pid).signals;
    let v = p.pending & p.mask;
    c.write_u64(c.u32(0), v)?;
    Ok(0)
}

/// Waiting for a signal needs another process to send one; that arrives
/// with the process model.
pub fn rt_sigsuspend(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn sigaltstack(_k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.u32(1) != 0 {
        let mut b = [0u8; 12];
        b[4..8].copy_from_slice(&SS_DISABLE.to_le_bytes());
        c.write_bytes(c.u32(1), &b)?;
    }
    Ok(0)
}

/// Sends `sig` to `target` (this kernel has one process per call chain for
/// now, so only the caller itself can be a target).
fn send(k: &mut Kernel, c: &mut Call, target: u32, sig: u32) -> SysResult {
    if sig >= NSIG {
        return Err(Errno::EINVAL.into());
    }
    if k.procs.get(target).is_none() {
        return Err(Errno::ESRCH.into());
    }
    if sig == 0 {
        return Ok(0);
    }
    let p = k.proc(target);
    let act = p.signals.actions[sig as usize];
    let blocked = p.signals.mask & bit(sig) != 0;
    let ignored = act.handler == SIG_IGN || (act.handler == SIG_DFL && default_action(sig) != DefaultAction::Terminate);
    if ignored && !blocked {
        return Ok(0);
    }
    if act.handler == SIG_DFL && !blocked {
        let status = ExitStatus::Signal(sig);
        k.terminate(target, status);
        if target == c.pid {
            return Err(Stop::Exit(status));
        }
        return Ok(0);
    }
    k.proc_mut(target).signals.pending |= bit(sig);
    Ok(0)
}

pub fn kill(k: &mut Kernel, c: &mut Call) -> SysResult {
    let pid = c.i32(0);
    let target = match pid {
        p if p > 0 => p as u32,
        // 0, -1 and -pgid all include the caller; it is the only process
        // it can reach for now.
        0 | -1 => c.pid,
        p if (-p) as u32 == k.proc(c.pid).pgid => c.pid,
        _ => return Err(Errno::ESRCH.into()),
    };
    send(k, c, target, c.u32(1))
}

pub fn tkill(k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.i32(0) <= 0 {
        return Err(Errno::EINVAL.into());
    }
    send(k, c, c.u32(0), c.u32(1))
}

pub fn tgkill(k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.i32(0) <= 0 || c.i32(1) <= 0 {
        return Err(Errno::EINVAL.into());
    }
    if c.u32(0) != c.u32(1) {
        return Err(Errno::ESRCH.into());
    }
    send(k, c, c.u32(1), c.u32(2))
}

#[cfg(test)]
mod tests {
    use crate::abi::flags::*;
    use crate::abi::syscalls::nr;
    use crate::engine::{ExitStatus, Outcome};
    use crate::testutil::Harness;
    use crate::Errno;

    fn sigaction(h: &mut Harness, handler: u32, flags: u32, mask: u64) -> u32 {
        let mut b = [0u8; 20];
        b[0..4].copy_from_slice(&handler.to_le_bytes());
        b[4..8].copy_from_slice(&flags.to_le_bytes());
        b[12..20].copy_from_slice(&mask.to_le_bytes());
        h.put(&b)
    }

    #[test]
    fn sigaction_records_and_reports_old() {
        let mut h = Harness::new();
        let act = sigaction(&mut h, 0x1234, 0x1000_0000, 1 << 1);
        let old = h.alloc(20);
        assert_eq!(h.sys(nr::rt_sigaction, &[2, act, 0, 8]), 0);
        assert_eq!(h.sys(nr::rt_sigaction, &[2, 0, old, 8]), 0);
        assert_eq!(h.u32_at(old), 0x1234);
        assert_eq!(h.u32_at(old + 4), 0x1000_0000);
        assert_eq!(h.u64_at(old + 12), 2);
        assert_eq!(h.sys(nr::rt_sigaction, &[SIGKILL, act, 0, 8]), Errno::EINVAL.neg());
        assert_eq!(h.sys(nr::rt_sigaction, &[65, act, 0, 8]), Errno::EINVAL.neg());
        assert_eq!(h.sys(nr::rt_sigaction, &[2, act, 0, 4]), Errno::EINVAL.neg());
    }

    #[test]
    fn sigprocmask_blocks_but_never_kill_or_stop() {
        let mut h = Harness::new();
        let set = h.put(&u64::MAX.to_le_bytes());
        let old = h.alloc(8);
        assert_eq!(h.sys(nr::rt_sigprocmask, &[SIG_BLOCK, set, 0, 8]), 0);
        assert_eq!(h.sys(nr::rt_sigprocmask, &[SIG_SETMASK, 0, old, 8]), 0);
        let m = h.u64_at(old);
        assert_eq!(m & (1 << (SIGKILL - 1)), 0);
        assert_eq!(m & (1 << (SIGSTOP - 1)), 0);
        assert_ne!(m & (1 << (SIGINT_ - 1)), 0);
        assert_eq!(h.sys(nr::rt_sigprocmask, &[7, set, 0, 8]), Errno::EINVAL.neg());
    }
    const SIGINT_: u32 = 2;

    #[test]
    fn raise_with_default_action_terminates() {
        let mut h = Harness::new();
        let pid = h.pid;
        assert_eq!(h.sys(nr::kill, &[pid, 0]), 0, "signal 0 probes");
        assert_eq!(h.sys(nr::kill, &[pid, SIGCHLD]), 0, "ignored by default");
        assert_eq!(h.sys(nr::kill, &[4242, 15]), Errno::ESRCH.neg());
        assert_eq!(h.call(nr::tgkill, &[pid, pid, SIGABRT], false), Outcome::Exit(ExitStatus::Signal(SIGABRT)));
        assert_eq!(h.k.exit_status(pid), Some(ExitStatus::Signal(6)));
    }

    #[test]
    fn blocked_or_handled_signal_stays_pending() {
        let mut h = Harness::new();
        let pid = h.pid;
        let set = h.put(&(1u64 << 14).to_le_bytes()); // SIGTERM
        assert_eq!(h.sys(nr::rt_sigprocmask, &[SIG_BLOCK, set, 0, 8]), 0);
        assert_eq!(h.sys(nr::kill, &[pid, 15]), 0);
        let pend = h.alloc(8);
        assert_eq!(h.sys(nr::rt_sigpending, &[pend, 8]), 0);
        assert_eq!(h.u64_at(pend), 1 << 14);
        // Unblocking a pending default-action signal acts on it at once
        // (musl's raise() and abort() rely on this).
        let h2 = &mut Harness::new();
        let p2 = h2.pid;
        let set2 = h2.put(&(1u64 << 5).to_le_bytes()); // SIGABRT
        assert_eq!(h2.sys(nr::rt_sigprocmask, &[SIG_BLOCK, set2, 0, 8]), 0);
        assert_eq!(h2.sys(nr::tkill, &[p2, SIGABRT]), 0);
        assert_eq!(h2.call(nr::rt_sigprocmask, &[SIG_UNBLOCK, set2, 0, 8], false), Outcome::Exit(ExitStatus::Signal(SIGABRT)));
        let ign = sigaction(&mut h, 1, 0, 0);
        assert_eq!(h.sys(nr::rt_sigaction, &[15, ign, 0, 8]), 0);
        assert_eq!(h.sys(nr::rt_sigpending, &[pend, 8]), 0);
        assert_eq!(h.u64_at(pend), 0, "SIG_IGN discards pending");
    }
}

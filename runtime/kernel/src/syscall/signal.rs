//! Signal syscalls: dispositions, masks, sending, waiting for signals.
//!
//! Thin: the semantics (posting, default actions, delivery to handlers)
//! are in [`crate::signal`].

use super::*;
use crate::abi::flags::*;
use crate::abi::layout::K_SIGACTION_SIZE;
use crate::engine::WaitKey;
use crate::process::{ProcState, SigAction, SigInfo};
use crate::signal::{bit, SIG_IGN, SI_TKILL, SI_USER, UNBLOCKABLE};
pub use crate::signal::{default_action, DefaultAction};
use crate::Kernel;

fn check_sig(sig: u32) -> Result<(), Errno> {
    if sig == 0 || sig >= NSIG {
        return Err(Errno::EINVAL);
    }
    Ok(())
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
        // Setting SIG_IGN (or SIG_DFL for a signal ignored by default)
        // discards a pending instance (POSIX).
        if new.handler == SIG_IGN || (new.handler == 0 && default_action(sig) == DefaultAction::Ignore) {
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
    k.act_on_unblocked(c.pid);
    Ok(0)
}

pub fn rt_sigpending(k: &mut Kernel, c: &mut Call) -> SysResult {
    let p = &k.proc(c.pid).signals;
    let v = p.pending & p.mask;
    c.write_u64(c.u32(0), v)?;
    Ok(0)
}

/// Replaces the mask and waits until a signal is delivered: a handled
/// signal interrupts the wait (`-EINTR`, the old mask restored after the
/// handler by [`Kernel::signal_return`]); a fatal one ends the process.
pub fn rt_sigsuspend(k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.u32(1) != 8 {
        return Err(Errno::EINVAL.into());
    }
    let pid = c.pid;
    if !c.retry || k.proc(pid).signals.saved_mask.is_none() {
        let new = c.read_u64(c.u32(0))?;
        let s = &mut k.proc_mut(pid).signals;
        s.saved_mask = Some(s.mask);
        s.mask = new & !UNBLOCKABLE;
        k.act_on_unblocked(pid);
    }
    Err(Stop::Pending(Pending { key: WaitKey::process(pid), deadline: None }))
}

/// `rt_sigtimedwait(set, info, timeout, sigsetsize)`: takes a pending
/// signal from `set` without running its handler, or waits for one.
pub fn rt_sigtimedwait(k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.u32(3) != 8 {
        return Err(Errno::EINVAL.into());
    }
    let set = c.read_u64(c.u32(0))? & !UNBLOCKABLE;
    let pid = c.pid;
    let pending = k.proc(pid).signals.pending & set;
    if let Some(sig) = (1..NSIG).find(|&s| pending & bit(s) != 0) {
        let info = k.proc(pid).signals.info[sig as usize];
        k.proc_mut(pid).signals.pending &= !bit(sig);
        k.proc_mut(pid).sleep_deadline = None;
        if c.u32(1) != 0 {
            c.write_bytes(c.u32(1), &crate::signal::encode_siginfo(sig, info))?;
        }
        return Ok(sig as i64);
    }
    let deadline = super::poll::deadline(k, c, c.u32(2))?;
    if let Some(d) = deadline {
        if k.host.monotonic_ns() >= d {
            k.proc_mut(pid).sleep_deadline = None;
            return Err(Errno::EAGAIN.into());
        }
    }
    // Waiting signals in `set` are normally blocked; they only wake us.
    Err(Stop::Pending(Pending { key: WaitKey::process(pid), deadline }))
}

pub fn sigaltstack(_k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.u32(1) != 0 {
        let mut b = [0u8; 12];
        b[4..8].copy_from_slice(&SS_DISABLE.to_le_bytes());
        c.write_bytes(c.u32(1), &b)?;
    }
    Ok(0)
}

/// Whether `from` may signal `to` (Linux: privileged, or a real or
/// effective uid of the sender matching the target's real uid).
fn may_signal(k: &Kernel, from: u32, to: u32) -> bool {
    let (s, t) = (k.proc(from), k.proc(to));
    s.euid == 0 || s.uid == t.uid || s.euid == t.uid
}

/// Sends `sig` (0 probes) to each of `targets`: `ESRCH` if there are none,
/// `EPERM` if none could be signalled.
fn send_to(k: &mut Kernel, c: &Call, targets: &[u32], sig: u32, code: i32) -> SysResult {
    if sig >= NSIG {
        return Err(Errno::EINVAL.into());
    }
    if targets.is_empty() {
        return Err(Errno::ESRCH.into());
    }
    let allowed: alloc::vec::Vec<u32> = targets.iter().copied().filter(|&t| may_signal(k, c.pid, t)).collect();
    if allowed.is_empty() {
        return Err(Errno::EPERM.into());
    }
    if sig == 0 {
        return Ok(0);
    }
    let info = SigInfo { code, pid: c.pid, uid: k.proc(c.pid).uid, status: 0 };
    for t in allowed {
        k.post_signal(t, sig, info);
    }
    Ok(0)
}

/// `kill(pid, sig)`: `pid > 0` one process, `0` the caller's group, `-1`
/// every process but init and the caller, `< -1` the group `-pid`.
pub fn kill(k: &mut Kernel, c: &mut Call) -> SysResult {
    let pid = c.i32(0);
    let me = c.pid;
    let pgid = k.proc(me).pgid;
    let all = k.procs.procs.values();
    let targets: alloc::vec::Vec<u32> = match pid {
        p if p > 0 => all.filter(|q| q.pid == p as u32).map(|q| q.pid).collect(),
        0 => all.filter(|q| q.pgid == pgid).map(|q| q.pid).collect(),
        -1 => all.filter(|q| q.pid != 1 && q.pid != me && q.state == ProcState::Running).map(|q| q.pid).collect(),
        i32::MIN => return Err(Errno::ESRCH.into()),
        p => all.filter(|q| q.pgid == (-p) as u32).map(|q| q.pid).collect(),
    };
    send_to(k, c, &targets, c.u32(1), SI_USER)
}

pub fn tkill(k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.i32(0) <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let t: alloc::vec::Vec<u32> = k.procs.get(c.u32(0)).map(|p| p.pid).into_iter().collect();
    send_to(k, c, &t, c.u32(1), SI_TKILL)
}

pub fn tgkill(k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.i32(0) <= 0 || c.i32(1) <= 0 {
        return Err(Errno::EINVAL.into());
    }
    // One thread per process: the thread id is the process id.
    if c.u32(0) != c.u32(1) {
        return Err(Errno::ESRCH.into());
    }
    let t: alloc::vec::Vec<u32> = k.procs.get(c.u32(1)).map(|p| p.pid).into_iter().collect();
    send_to(k, c, &t, c.u32(2), SI_TKILL)
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

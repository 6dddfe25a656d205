//! Signals between processes: posting, default actions (terminate, stop,
//! continue, ignore), handler delivery to the engine, interval timers.
//!
//! The engine protocol (also in `docs/abi.md`, "Process model"):
//!
//! - After every syscall that returns, and whenever it interrupts guest
//!   code (epoch ticks), the engine drains [`Kernel::next_signal`]: each
//!   [`Delivery`] is a guest handler to call; after it returns, the engine
//!   calls [`Kernel::signal_return`], which restores the signal mask.
//! - A blocking call that a handled signal interrupts returns `-EINTR`
//!   (or the bytes it already moved), or [`crate::engine::RESTART_SYSCALL`]
//!   when the handler has `SA_RESTART`: the engine runs the handlers and
//!   issues the call again.
//! - Default actions never reach the engine: the kernel terminates or
//!   stops the target itself. Processes changed that way by another process
//!   are listed by [`Kernel::take_interrupts`] so the engine can interrupt
//!   their code.
//! - Timers: [`Kernel::next_deadline`] is when the engine must call
//!   [`Kernel::tick`] (it also runs at every syscall, and a pending call's
//!   deadline never passes the caller's own timer).

use alloc::vec::Vec;

use crate::abi::flags::*;
use crate::abi::syscalls::nr;
use crate::engine::{Delivery, ExitStatus, WaitKey, RESTART_SYSCALL};
use crate::lifecycle::WaitEvent;
use crate::process::{ChildEvent, Itimer, ProcState, SigInfo};
use crate::{Errno, Kernel};

pub use crate::abi::flags::{SA_NODEFER, SA_RESETHAND, SA_RESTART, SA_SIGINFO, SIGALRM, SIG_DFL, SIG_IGN, SI_KERNEL, SI_TKILL, SI_USER};

/// Signals that cannot be caught, blocked or ignored.
pub const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));
const STOP_SIGNALS: u64 = (1 << (SIGSTOP - 1)) | (1 << (SIGTSTP - 1)) | (1 << (SIGTTIN - 1)) | (1 << (SIGTTOU - 1));

pub fn bit(sig: u32) -> u64 {
    1u64 << (sig - 1)
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

/// Calls a handler interrupts with `-EINTR` even under `SA_RESTART`
/// (Linux's `ERESTARTNOHAND` and timed waits).
fn never_restarts(call: u32) -> bool {
    matches!(call, nr::nanosleep | nr::clock_nanosleep | nr::ppoll | nr::pselect6 | nr::rt_sigsuspend | nr::rt_sigtimedwait)
}

/// The 128-byte wasm32 `siginfo_t` for `sig`.
pub fn encode_siginfo(sig: u32, info: SigInfo) -> [u8; 128] {
    let mut b = [0u8; 128];
    b[0..4].copy_from_slice(&sig.to_le_bytes());
    b[8..12].copy_from_slice(&info.code.to_le_bytes());
    b[12..16].copy_from_slice(&info.pid.to_le_bytes());
    b[16..20].copy_from_slice(&info.uid.to_le_bytes());
    b[20..24].copy_from_slice(&info.status.to_le_bytes());
    b
}

impl Kernel {
    /// A signal the kernel itself raises for `pid` (`SIGPIPE`).
    pub(crate) fn send_signal(&mut self, pid: u32, sig: u32) {
        let uid = self.procs.get(pid).map_or(0, |p| p.uid);
        self.post_signal(pid, sig, SigInfo { code: SI_USER, pid, uid, status: 0 });
    }

    /// Posts `sig` (1..64) to `target` as Linux's `send_signal` does:
    /// `SIGKILL` terminates, `SIGCONT` continues, ignored signals vanish,
    /// blocked or handled ones become pending, unblocked default actions
    /// happen now.
    pub(crate) fn post_signal(&mut self, target: u32, sig: u32, info: SigInfo) {
        if self.procs.get(target).is_none_or(|p| p.state != ProcState::Running) {
            return;
        }
        if sig == SIGKILL {
            self.terminate(target, ExitStatus::Signal(SIGKILL));
            return;
        }
        if sig == SIGCONT {
            self.proc_mut(target).signals.pending &= !STOP_SIGNALS;
            self.continue_proc(target);
        }
        if STOP_SIGNALS & bit(sig) != 0 {
            self.proc_mut(target).signals.pending &= !bit(SIGCONT);
        }
        let p = self.proc(target);
        let act = p.signals.actions[sig as usize];
        let blocked = p.signals.mask & bit(sig) != 0;
        let dfl = default_action(sig);
        let ignored = act.handler == SIG_IGN || (act.handler == SIG_DFL && matches!(dfl, DefaultAction::Ignore | DefaultAction::Continue));
        if ignored && !blocked {
            return;
        }
        if blocked || act.handler != SIG_DFL {
            let p = self.proc_mut(target);
            p.signals.pending |= bit(sig);
            p.signals.info[sig as usize] = info;
            if !blocked {
                self.signal_wake(target);
            }
            return;
        }
        match dfl {
            DefaultAction::Terminate => self.terminate(target, ExitStatus::Signal(sig)),
            DefaultAction::Stop => self.stop_proc(target, sig),
            DefaultAction::Ignore | DefaultAction::Continue => {}
        }
    }

    /// A signal became deliverable to `pid`: wake whatever it waits on and
    /// tell the engine, if `pid` is not the caller.
    fn signal_wake(&mut self, pid: u32) {
        self.wake(WaitKey::process(pid));
        if let Some(k) = self.proc(pid).waiting {
            self.wake(k);
        }
        if self.current != Some(pid) && !self.interrupts.contains(&pid) {
            self.interrupts.push(pid);
        }
    }

    fn stop_proc(&mut self, pid: u32, sig: u32) {
        let p = self.proc_mut(pid);
        if p.stopped.is_some() {
            return;
        }
        p.stopped = Some(sig);
        p.child_event = Some(ChildEvent::Stopped(sig));
        if self.current != Some(pid) && !self.interrupts.contains(&pid) {
            self.interrupts.push(pid);
        }
        self.notify_parent(pid, WaitEvent::Stopped(sig));
    }

    fn continue_proc(&mut self, pid: u32) {
        let p = self.proc_mut(pid);
        if p.stopped.take().is_none() {
            return;
        }
        p.child_event = Some(ChildEvent::Continued);
        self.wake(WaitKey::process(pid));
        if let Some(k) = self.proc(pid).waiting {
            self.wake(k);
        }
        self.notify_parent(pid, WaitEvent::Continued);
    }

    /// The lowest pending, unblocked signal of `pid` that has a handler.
    fn deliverable(&self, pid: u32) -> Option<u32> {
        let s = &self.procs.get(pid)?.signals;
        let ready = s.pending & !s.mask;
        (1..NSIG).find(|&sig| ready & bit(sig) != 0 && s.actions[sig as usize].handler > SIG_IGN)
    }

    /// Acts on pending signals that are no longer blocked and have no
    /// handler (after `sigprocmask`, `sigsuspend`, `signal_return`): default
    /// actions happen now, as Linux does on the way back to user mode.
    pub(crate) fn act_on_unblocked(&mut self, pid: u32) {
        for sig in 1..NSIG {
            let Some(p) = self.procs.get(pid).filter(|p| p.state == ProcState::Running) else { return };
            let s = &p.signals;
            if (s.pending & !s.mask) & bit(sig) == 0 || s.actions[sig as usize].handler > SIG_IGN {
                continue;
            }
            let handler = s.actions[sig as usize].handler;
            self.proc_mut(pid).signals.pending &= !bit(sig);
            if handler == SIG_DFL {
                match default_action(sig) {
                    DefaultAction::Terminate => self.terminate(pid, ExitStatus::Signal(sig)),
                    DefaultAction::Stop => self.stop_proc(pid, sig),
                    _ => {}
                }
            }
        }
    }

    /// What a call that would wait returns instead because a handled
    /// signal is deliverable: the bytes it already moved, `-EINTR`, or
    /// [`RESTART_SYSCALL`]. `None`: let it wait.
    pub(crate) fn interrupted(&mut self, pid: u32, call: u32) -> Option<i64> {
        if !self.config.signal_handlers {
            return None;
        }
        let sig = self.deliverable(pid)?;
        if let Some((ofd, _)) = self.proc_mut(pid).fifo_open.take() {
            self.discard_ofd(ofd);
        }
        let p = self.proc_mut(pid);
        p.sleep_deadline = None;
        p.poll_keys.clear();
        p.waiting = None;
        let done = core::mem::take(&mut p.io_done);
        if done > 0 {
            return Some(done as i64);
        }
        if p.signals.actions[sig as usize].flags & SA_RESTART != 0 && !never_restarts(call) {
            return Some(RESTART_SYSCALL);
        }
        Some(Errno::EINTR.neg())
    }

    /// The next signal handler `pid` must run, if any (see the module
    /// docs). Marks the signal delivered, blocks `sa_mask` and the signal
    /// itself (unless `SA_NODEFER`), resets the action for `SA_RESETHAND`,
    /// and remembers the mask [`Kernel::signal_return`] restores (the one
    /// before `rt_sigsuspend`, if that is what the signal ended).
    pub fn next_signal(&mut self, pid: u32) -> Option<Delivery> {
        self.act_on_unblocked(pid);
        // A stopped process runs no handler until it is continued.
        if self.is_stopped(pid) {
            return None;
        }
        let sig = self.deliverable(pid)?;
        let p = self.proc_mut(pid);
        let s = &mut p.signals;
        let act = s.actions[sig as usize];
        let info = s.info[sig as usize];
        s.pending &= !bit(sig);
        let restore = s.saved_mask.take().unwrap_or(s.mask);
        s.frames.push(restore);
        s.mask |= act.mask;
        if act.flags & SA_NODEFER == 0 {
            s.mask |= bit(sig);
        }
        s.mask &= !UNBLOCKABLE;
        if act.flags & SA_RESETHAND != 0 {
            s.actions[sig as usize].handler = SIG_DFL;
        }
        Some(Delivery { sig, handler: act.handler, flags: act.flags, siginfo: encode_siginfo(sig, info) })
    }

    /// A handler from [`Kernel::next_signal`] returned: restores the mask
    /// from before it (and acts on default-action signals that unblocks).
    pub fn signal_return(&mut self, pid: u32) {
        let Some(p) = self.procs.get_mut(pid) else { return };
        if let Some(m) = p.signals.frames.pop() {
            p.signals.mask = m & !UNBLOCKABLE;
        }
        self.act_on_unblocked(pid);
    }

    /// Sends `sig` to `pid` from the engine (the host killing a process,
    /// a timeout): `ESRCH` if there is no such process, `EINVAL` for a bad
    /// signal number. `si_code` is `SI_KERNEL`.
    pub fn send(&mut self, pid: u32, sig: u32) -> Result<(), Errno> {
        if sig == 0 || sig >= NSIG {
            return Err(Errno::EINVAL);
        }
        self.procs.get(pid).ok_or(Errno::ESRCH)?;
        self.post_signal(pid, sig, SigInfo { code: SI_KERNEL, ..Default::default() });
        Ok(())
    }

    /// Sends `sig` to the terminal's foreground process group, as the line
    /// discipline does for `^C` (`SIGINT`), `^\` (`SIGQUIT`), `^Z`
    /// (`SIGTSTP`) or a resize (`SIGWINCH`). Returns how many processes it
    /// reached.
    pub fn tty_signal(&mut self, sig: u32) -> usize {
        let Some(pgid) = self.tty.fg_pgrp else { return 0 };
        if sig == 0 || sig >= NSIG {
            return 0;
        }
        let group: Vec<u32> =
            self.procs.procs.values().filter(|p| p.pgid == pgid && p.state == ProcState::Running).map(|p| p.pid).collect();
        for &pid in &group {
            self.post_signal(pid, sig, SigInfo { code: SI_KERNEL, ..Default::default() });
        }
        group.len()
    }

    /// Processes that another process killed, stopped or sent a handled
    /// signal to since the last call: the engine should interrupt their
    /// guest code (e.g. an epoch bump) so they notice
    /// ([`Kernel::exit_status`], [`Kernel::is_stopped`],
    /// [`Kernel::next_signal`]).
    pub fn take_interrupts(&mut self) -> Vec<u32> {
        core::mem::take(&mut self.interrupts)
    }

    /// The earliest monotonic time at which a timer fires; the engine calls
    /// [`Kernel::tick`] then.
    pub fn next_deadline(&self) -> Option<u64> {
        self.procs.procs.values().filter_map(|p| p.itimer.map(|t| t.deadline)).min()
    }

    /// Fires expired timers: `SIGALRM` to each process whose
    /// `ITIMER_REAL` passed, rearming periodic ones.
    pub fn tick(&mut self) {
        // Runs on every syscall: without an armed timer, skip the clock read.
        if self.procs.procs.values().all(|p| p.itimer.is_none()) {
            return;
        }
        let now = self.host.monotonic_ns();
        let due: Vec<u32> = self.procs.procs.values().filter(|p| p.itimer.is_some_and(|t| t.deadline <= now)).map(|p| p.pid).collect();
        for pid in due {
            let p = self.proc_mut(pid);
            let t = p.itimer.expect("due timer");
            // Periods missed while nobody ticked merge into one signal.
            p.itimer = (now - t.deadline)
                .checked_div(t.interval)
                .map(|missed| Itimer { deadline: t.deadline + (missed + 1) * t.interval, interval: t.interval });
            self.post_signal(pid, SIGALRM, SigInfo { code: SI_KERNEL, ..Default::default() });
        }
    }
}

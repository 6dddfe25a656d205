//! The life of a process: `fork`, exit into a zombie, reparenting, and the
//! child events `wait` reports.
//!
//! Engines call [`Kernel::fork`] from their fork import (after copying the
//! parent's linear memory themselves), [`Kernel::terminate`] when a process
//! ends outside a syscall (a trap, the host killing it), and read
//! [`Kernel::exit_status`]. A process that ends becomes a zombie holding its
//! status until its parent reaps it with `wait4`/`waitid`. A zombie nobody
//! can wait for (ppid 0: spawned by the engine, orphaned with no init, or
//! auto-reaped because its parent ignores `SIGCHLD`) stays until the engine
//! calls [`Kernel::reap`] once it has read the status; every engine calls
//! it when a process's code stops running.

use alloc::vec::Vec;

use crate::abi::flags::*;
use crate::engine::{ExitStatus, WaitKey};
use crate::fd::FdEntry;
use crate::process::{ChildEvent, ProcState, SigInfo};
use crate::{Errno, KResult, Kernel};

/// `si_code` values of `SIGCHLD`.
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;
/// `SA_NOCLDSTOP`, `SA_NOCLDWAIT`.
pub use crate::abi::flags::{SA_NOCLDSTOP, SA_NOCLDWAIT};
const SIGHUP: u32 = 1;
/// The process orphans are given to, when it runs.
pub const INIT_PID: u32 = 1;

/// A state change of a child, as `wait` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEvent {
    Exited(ExitStatus),
    Stopped(u32),
    Continued,
}

impl WaitEvent {
    /// The `wait4` status word, encoded as Linux does.
    pub fn status(self) -> i32 {
        match self {
            WaitEvent::Exited(ExitStatus::Code(c)) => (c as i32) << 8,
            WaitEvent::Exited(ExitStatus::Signal(s)) => s as i32 & 0x7f,
            WaitEvent::Stopped(s) => 0x7f | (s as i32) << 8,
            WaitEvent::Continued => 0xffff,
        }
    }
    /// `si_code` and `si_status` for `waitid` and `SIGCHLD`.
    pub fn siginfo(self) -> (i32, i32) {
        match self {
            WaitEvent::Exited(ExitStatus::Code(c)) => (CLD_EXITED, c as i32),
            WaitEvent::Exited(ExitStatus::Signal(s)) => (CLD_KILLED, s as i32),
            WaitEvent::Stopped(s) => (CLD_STOPPED, s as i32),
            WaitEvent::Continued => (CLD_CONTINUED, SIGCONT as i32),
        }
    }
}

/// Which children a wait is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
    Any,
    Pid(u32),
    Pgid(u32),
}

impl Kernel {
    /// Creates a child of `parent` for the engine's fork: a new pid with
    /// `ppid = parent`, the parent's group, session, credentials, cwd,
    /// umask, limits, memory map, signal actions and mask (nothing
    /// pending), and a copy of its descriptor table sharing the open file
    /// descriptions (offsets and status flags are shared, as on Linux).
    /// `EAGAIN` past [`crate::KernelConfig::max_procs`]. The engine copies
    /// linear memory and starts the child; the child's fork returns 0.
    pub fn fork(&mut self, parent: u32) -> KResult<u32> {
        let p = self.procs.get(parent).ok_or(Errno::ESRCH)?;
        if p.state != ProcState::Running {
            return Err(Errno::ESRCH);
        }
        if self.procs.procs.len() >= self.config.max_procs {
            return Err(Errno::EAGAIN);
        }
        let mut child = p.clone();
        let pid = self.procs.alloc_pid();
        child.pid = pid;
        child.ppid = parent;
        child.start_ns = self.host.monotonic_ns();
        child.signals.pending = 0;
        child.signals.saved_mask = None;
        child.signals.frames.clear();
        child.sleep_deadline = None;
        child.io_done = 0;
        child.waiting = None;
        child.poll_keys.clear();
        child.stopped = None;
        child.child_event = None;
        // Timers are not inherited.
        child.itimer = None;
        child.did_exec = false;
        child.fifo_open = None;
        let entries: Vec<FdEntry> = child.fds.iter().map(|(_, e)| e).collect();
        for e in entries {
            self.files.add_ref(e.ofd);
        }
        self.procs.procs.insert(pid, child);
        Ok(pid)
    }

    /// Ends `pid` (a trap in the engine, the host killing it, `exit`, a
    /// fatal signal): closes its descriptors, gives its children to
    /// [`INIT_PID`] (or to no one, ppid 0, when init is not running), and
    /// tells its parent (`SIGCHLD`, a wake of the parent's
    /// [`WaitKey::process`]). With `SIGCHLD` ignored or `SA_NOCLDWAIT` in
    /// the parent, the child is reaped at once, as on Linux.
    pub fn terminate(&mut self, pid: u32, status: ExitStatus) {
        let Some(p) = self.procs.get_mut(pid) else { return };
        if p.state != ProcState::Running {
            return;
        }
        p.state = ProcState::Zombie(status);
        p.stopped = None;
        p.child_event = None;
        p.itimer = None;
        p.waiting = None;
        p.poll_keys.clear();
        p.signals.pending = 0;
        if let Some((ofd, _)) = p.fifo_open.take() {
            self.discard_ofd(ofd);
        }
        let p = self.proc_mut(pid);
        let fds: Vec<i32> = p.fds.iter().map(|(fd, _)| fd as i32).collect();
        for fd in fds {
            let _ = self.close_fd(pid, fd);
        }
        if self.current != Some(pid) && !self.interrupts.contains(&pid) {
            self.interrupts.push(pid);
        }
        // Orphans go to init.
        let heir = match self.procs.get(INIT_PID) {
            Some(init) if init.state == ProcState::Running && pid != INIT_PID => INIT_PID,
            _ => 0,
        };
        let own_pgid = self.proc(pid).pgid;
        let mut groups = alloc::vec![own_pgid];
        for c in self.procs.children(pid) {
            let child = self.proc_mut(c);
            child.ppid = heir;
            if child.state == ProcState::Running && !groups.contains(&child.pgid) {
                groups.push(child.pgid);
            }
            if let ProcState::Zombie(s) = child.state {
                if heir == 0 {
                    // Its code is long gone: nobody will ever ask.
                    self.procs.procs.remove(&c);
                } else {
                    // The new parent hears of it as Linux's init does.
                    self.notify_parent(c, WaitEvent::Exited(s));
                }
            }
        }
        for g in groups {
            self.hang_up_if_orphaned(g);
        }
        self.notify_parent(pid, WaitEvent::Exited(status));
    }

    /// POSIX: a process group that became orphaned (no member has a parent
    /// in another group of the same session) while some member is stopped
    /// gets `SIGHUP` then `SIGCONT`, so it does not stay stopped forever.
    fn hang_up_if_orphaned(&mut self, pgid: u32) {
        let members: Vec<u32> =
            self.procs.procs.values().filter(|p| p.pgid == pgid && p.state == ProcState::Running).map(|p| p.pid).collect();
        if !members.iter().any(|&m| self.proc(m).stopped.is_some()) {
            return;
        }
        let anchored = members.iter().any(|&m| {
            let p = self.proc(m);
            self.procs.get(p.ppid).is_some_and(|q| q.state == ProcState::Running && q.pgid != pgid && q.sid == p.sid)
        });
        if anchored {
            return;
        }
        for sig in [SIGHUP, SIGCONT] {
            for &m in &members {
                self.post_signal(m, sig, SigInfo { code: crate::signal::SI_KERNEL, ..Default::default() });
            }
        }
    }

    /// Tells `pid`'s parent about a state change: `SIGCHLD` (unless
    /// `SA_NOCLDSTOP` and this is a stop or continue), a wake of its wait.
    pub(crate) fn notify_parent(&mut self, pid: u32, ev: WaitEvent) {
        let ppid = self.proc(pid).ppid;
        let Some(parent) = self.procs.get(ppid).filter(|p| p.state == ProcState::Running) else { return };
        let act = parent.signals.actions[SIGCHLD as usize];
        if let WaitEvent::Exited(_) = ev {
            if act.handler == crate::signal::SIG_IGN || act.flags & SA_NOCLDWAIT != 0 {
                // Auto-reaped: the parent cannot wait for it; the engine
                // reaps it.
                self.proc_mut(pid).ppid = 0;
                self.wake(WaitKey::process(ppid));
                return;
            }
        } else if act.flags & SA_NOCLDSTOP != 0 {
            self.wake(WaitKey::process(ppid));
            return;
        }
        let (code, status) = ev.siginfo();
        let uid = self.proc(pid).uid;
        self.post_signal(ppid, SIGCHLD, SigInfo { code, pid, uid, status });
        self.wake(WaitKey::process(ppid));
    }

    /// How `pid` ended, once it has.
    pub fn exit_status(&self, pid: u32) -> Option<ExitStatus> {
        match self.procs.get(pid)?.state {
            ProcState::Zombie(s) => Some(s),
            ProcState::Running => None,
        }
    }

    /// The engine is done with `pid` (its code stopped running): removes
    /// it if it is a zombie nobody can wait for (ppid 0), with its `/proc`
    /// entry. A zombie with a parent stays for the parent's `wait`.
    /// Returns the exit status, if it has ended.
    pub fn reap(&mut self, pid: u32) -> Option<ExitStatus> {
        let p = self.procs.get(pid)?;
        let ProcState::Zombie(s) = p.state else { return None };
        if p.ppid == 0 {
            self.procs.procs.remove(&pid);
        }
        Some(s)
    }

    /// Whether `pid` is stopped (by `SIGSTOP` & co.): the engine keeps it
    /// parked on [`WaitKey::process`] until it is not.
    pub fn is_stopped(&self, pid: u32) -> bool {
        self.procs.get(pid).is_some_and(|p| p.stopped.is_some())
    }

    /// Finds a child of `parent` matching `which` with an event `wait`
    /// should report (`ECHILD` when no child matches at all). `exited`,
    /// `stopped`, `continued` select the kinds of event (`WEXITED`,
    /// `WUNTRACED`, `WCONTINUED`); `consume` reaps the zombie or clears the
    /// stop/continue report (not for `WNOWAIT`).
    pub(crate) fn wait_child(
        &mut self,
        parent: u32,
        which: WaitFor,
        kinds: (bool, bool, bool),
        consume: bool,
    ) -> KResult<Option<(u32, u32, WaitEvent)>> {
        let (exited, stopped, continued) = kinds;
        let mut any = false;
        let mut found = None;
        for p in self.procs.procs.values().filter(|p| p.ppid == parent) {
            let hit = match which {
                WaitFor::Any => true,
                WaitFor::Pid(pid) => p.pid == pid,
                WaitFor::Pgid(g) => p.pgid == g,
            };
            if !hit {
                continue;
            }
            any = true;
            let ev = match (p.state, p.child_event) {
                (ProcState::Zombie(s), _) if exited => Some(WaitEvent::Exited(s)),
                (ProcState::Running, Some(ChildEvent::Stopped(sig))) if stopped => Some(WaitEvent::Stopped(sig)),
                (ProcState::Running, Some(ChildEvent::Continued)) if continued => Some(WaitEvent::Continued),
                _ => None,
            };
            if let Some(ev) = ev {
                found = Some((p.pid, p.uid, ev));
                break;
            }
        }
        if !any {
            return Err(Errno::ECHILD);
        }
        if let (Some((pid, _, ev)), true) = (found, consume) {
            match ev {
                WaitEvent::Exited(_) => {
                    self.procs.procs.remove(&pid);
                }
                _ => self.proc_mut(pid).child_event = None,
            }
        }
        Ok(found)
    }
}

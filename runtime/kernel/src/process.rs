//! Processes: identity, credentials, working directory, descriptors, memory
//! map, signal state, limits.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::abi::flags::*;
use crate::engine::ExitStatus;
use crate::fd::{FdTable, FileKind, OpenFiles, DEFAULT_NOFILE};
use crate::mm::Mm;
use crate::vfs::{MagicLink, NodeRef, ProcInfo, ProcView};

/// A signal disposition as `rt_sigaction` records it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    /// Guest function pointer; 0 = `SIG_DFL`, 1 = `SIG_IGN`.
    pub handler: u32,
    pub flags: u32,
    pub restorer: u32,
    pub mask: u64,
}

/// Who sent a pending signal and why, for the handler's `siginfo_t`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    /// `si_code` (`SI_USER`, `SI_TKILL`, `SI_KERNEL`, `CLD_*`).
    pub code: i32,
    pub pid: u32,
    pub uid: u32,
    /// `si_status` of `SIGCHLD`.
    pub status: i32,
}

/// Per-process signal state.
#[derive(Clone, Debug)]
pub struct Signals {
    pub actions: [SigAction; NSIG as usize],
    pub mask: u64,
    pub pending: u64,
    /// Sender of each pending signal (one instance per signal, as for
    /// Linux's standard signals).
    pub info: [SigInfo; NSIG as usize],
    /// The mask `rt_sigsuspend` replaced, restored after the handler it
    /// woke for.
    pub saved_mask: Option<u64>,
    /// Masks to restore, one per handler the engine is running.
    pub frames: Vec<u64>,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            actions: [SigAction::default(); NSIG as usize],
            mask: 0,
            pending: 0,
            info: [SigInfo::default(); NSIG as usize],
            saved_mask: None,
            frames: Vec::new(),
        }
    }
}

/// Whether a process still runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    Running,
    Zombie(ExitStatus),
}

/// A change in a child that `wait` with `WUNTRACED`/`WCONTINUED` reports
/// once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildEvent {
    Stopped(u32),
    Continued,
}

/// `ITIMER_REAL`: when it next fires and its period (0 = once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Itimer {
    pub deadline: u64,
    pub interval: u64,
}

/// A soft and hard limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

/// One process.
#[derive(Clone, Debug)]
pub struct Process {
    pub pid: u32,
    pub ppid: u32,
    pub pgid: u32,
    pub sid: u32,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    pub cwd: NodeRef,
    /// Absolute path of `cwd`, kept as Linux keeps a dentry path.
    pub cwd_path: Vec<u8>,
    pub umask: u32,
    pub fds: FdTable,
    pub mm: Mm,
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    pub exe: Vec<u8>,
    pub signals: Signals,
    pub rlimits: [Rlimit; RLIMIT_NLIMITS as usize],
    pub state: ProcState,
    pub start_ns: u64,
    pub clear_child_tid: u32,
    /// Deadline of a sleep in progress, kept across retries.
    pub sleep_deadline: Option<u64>,
    /// Bytes a pending write already moved, kept across retries.
    pub io_done: usize,
    /// The key of the syscall now pending, woken when a signal arrives.
    pub waiting: Option<crate::engine::WaitKey>,
    /// Keys a pending `ppoll`/`pselect6` watches; waking any of them wakes
    /// [`crate::WaitKey::process`] of this process.
    pub poll_keys: Vec<crate::engine::WaitKey>,
    /// The stop signal, while stopped (`SIGSTOP`, `SIGTSTP`, ...).
    pub stopped: Option<u32>,
    /// A stop or continue not yet reported to the parent's `wait`.
    pub child_event: Option<ChildEvent>,
    /// `alarm`/`setitimer(ITIMER_REAL)`.
    pub itimer: Option<Itimer>,
    /// A FIFO open waiting for its partner: the description it holds and
    /// the partner-open count it waits past.
    pub fifo_open: Option<(crate::fd::OfdId, u32)>,
    /// Whether it ran `execve` since `fork` (`setpgid` by the parent then
    /// fails).
    pub did_exec: bool,
}

impl Process {
    pub fn new(pid: u32, cwd: NodeRef, cwd_path: Vec<u8>) -> Self {
        let inf = Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY };
        let mut rlimits = [inf; RLIMIT_NLIMITS as usize];
        rlimits[RLIMIT_NOFILE as usize] = Rlimit { cur: DEFAULT_NOFILE as u64, max: 4096 };
        rlimits[RLIMIT_STACK as usize] = Rlimit { cur: 8 << 20, max: RLIM_INFINITY };
        rlimits[RLIMIT_CORE as usize] = Rlimit { cur: 0, max: RLIM_INFINITY };
        Process {
            pid,
            ppid: 0,
            pgid: pid,
            sid: pid,
            uid: 0,
            gid: 0,
            euid: 0,
            egid: 0,
            cwd,
            cwd_path,
            umask: 0o022,
            fds: FdTable::default(),
            mm: Mm::default(),
            argv: Vec::new(),
            envp: Vec::new(),
            exe: Vec::new(),
            signals: Signals::default(),
            rlimits,
            state: ProcState::Running,
            start_ns: 0,
            clear_child_tid: 0,
            sleep_deadline: None,
            io_done: 0,
            waiting: None,
            poll_keys: Vec::new(),
            stopped: None,
            child_event: None,
            itimer: None,
            did_exec: false,
            fifo_open: None,
        }
    }
    pub fn nofile(&self) -> u32 {
        self.rlimits[RLIMIT_NOFILE as usize].cur.min(1 << 20) as u32
    }
    /// The command name: the last path component of `argv[0]` (what
    /// `/proc/PID/status` and `PR_GET_NAME` report).
    pub fn comm(&self) -> &[u8] {
        self.argv.first().map_or(&[][..], |a| a.rsplit(|&c| c == b'/').next().unwrap_or(a))
    }
}

/// Pids wrap after this (Linux's default `pid_max`).
pub const PID_MAX: u32 = 32768;

/// All processes by pid.
#[derive(Default)]
pub struct ProcessTable {
    pub procs: BTreeMap<u32, Process>,
    next_pid: u32,
}

impl ProcessTable {
    /// The next free pid, counting up and wrapping at `PID_MAX` like Linux.
    pub fn alloc_pid(&mut self) -> u32 {
        loop {
            self.next_pid = if self.next_pid >= PID_MAX { 2 } else { self.next_pid + 1 };
            if !self.procs.contains_key(&self.next_pid) {
                return self.next_pid;
            }
        }
    }
    /// Children of `pid`, ascending (creation order until pids wrap).
    pub fn children(&self, pid: u32) -> Vec<u32> {
        self.procs.values().filter(|p| p.ppid == pid).map(|p| p.pid).collect()
    }
    pub fn get(&self, pid: u32) -> Option<&Process> {
        self.procs.get(&pid)
    }
    pub fn get_mut(&mut self, pid: u32) -> Option<&mut Process> {
        self.procs.get_mut(&pid)
    }
}

/// The process table and open files together, as `/proc` reads them.
pub struct ProcSnapshot<'a> {
    pub procs: &'a ProcessTable,
    pub files: &'a OpenFiles,
}

impl ProcView for ProcSnapshot<'_> {
    fn pids(&self) -> Vec<u32> {
        self.procs.procs.keys().copied().collect()
    }
    fn info(&self, pid: u32) -> Option<ProcInfo> {
        let p = self.procs.get(pid)?;
        let mut cmdline = Vec::new();
        for a in &p.argv {
            cmdline.extend_from_slice(a);
            cmdline.push(0);
        }
        let mut environ = Vec::new();
        for e in &p.envp {
            environ.extend_from_slice(e);
            environ.push(0);
        }
        let name = p.comm().to_vec();
        Some(ProcInfo {
            pid,
            ppid: p.ppid,
            pgid: p.pgid,
            sid: p.sid,
            state: match p.state {
                ProcState::Zombie(_) => b'Z',
                ProcState::Running if p.stopped.is_some() => b'T',
                ProcState::Running if p.waiting.is_some() => b'S',
                ProcState::Running => b'R',
            },
            name,
            cmdline,
            environ,
            cwd: p.cwd_path.clone(),
            exe: p.exe.clone(),
            uid: p.uid,
            gid: p.gid,
            umask: p.umask,
            vm_bytes: p.mm.mem_size,
            start_ns: p.start_ns,
            fds: p.fds.iter().map(|(fd, e)| (fd, self.files.get(e.ofd).path.clone())).collect(),
            sig_pending: p.signals.pending,
            sig_blocked: p.signals.mask,
            sig_ignored: (1..NSIG).filter(|&s| p.signals.actions[s as usize].handler == 1).fold(0, |m, s| m | 1 << (s - 1)),
            sig_caught: (1..NSIG).filter(|&s| p.signals.actions[s as usize].handler > 1).fold(0, |m, s| m | 1 << (s - 1)),
        })
    }
    fn magic(&self, link: MagicLink) -> Option<(FileKind, Vec<u8>)> {
        match link {
            MagicLink::Fd { pid, fd } => {
                let f = self.files.get(self.procs.get(pid)?.fds.get(fd as i32).ok()?.ofd);
                Some((f.kind.clone(), f.path.clone()))
            }
            MagicLink::Cwd { pid } => {
                let p = self.procs.get(pid)?;
                Some((FileKind::Node(p.cwd), p.cwd_path.clone()))
            }
        }
    }
}

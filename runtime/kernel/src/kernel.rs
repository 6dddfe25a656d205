//! The kernel object: global state and the entry points engines call.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::dev::Device;
use crate::engine::{Host, Memory, Outcome, WaitKey};
use crate::fd::{FdEntry, FileKind, OpenFile, OpenFiles};
use crate::process::{ProcSnapshot, ProcState, Process, ProcessTable};
use crate::syscall::{self, Call, Stop};
use crate::vfs::{self, FileSystem, MountTable};
use crate::{Errno, KResult};

/// Settings fixed when the kernel starts.
#[derive(Clone, Debug)]
pub struct KernelConfig {
    /// `uname -n`.
    pub hostname: Vec<u8>,
    /// Most linear memory one process may have, in bytes (0 = 4 GiB).
    pub max_memory: u64,
    /// Most processes (zombies included) at once; `fork` beyond it fails
    /// with `EAGAIN`.
    pub max_procs: usize,
    /// The engine runs guest signal handlers ([`Kernel::next_signal`],
    /// [`Kernel::signal_return`]) and honours [`crate::engine::RESTART_SYSCALL`].
    /// Without it, a signal with a handler stays pending and never
    /// interrupts a blocking call.
    pub signal_handlers: bool,
}

impl Default for KernelConfig {
    fn default() -> Self {
        KernelConfig { hostname: b"wasmos".to_vec(), max_memory: 0, max_procs: 512, signal_handlers: false }
    }
}

/// How to start a process.
#[derive(Clone, Debug, Default)]
pub struct SpawnSpec {
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    /// Working directory (absolute guest path); `/` if empty.
    pub cwd: Vec<u8>,
    /// The executable's path, for `/proc/PID/exe`.
    pub exe: Vec<u8>,
}

/// Bytes from the host's stdin waiting to be read.
#[derive(Default)]
pub struct StdinQueue {
    pub buf: VecDeque<u8>,
    pub eof: bool,
}

/// The kernel. Engines serialise calls into it (the host keeps it behind a
/// mutex); nothing in it blocks.
pub struct Kernel {
    pub(crate) host: Box<dyn Host>,
    pub(crate) config: KernelConfig,
    pub(crate) vfs: MountTable,
    pub(crate) files: OpenFiles,
    pub(crate) procs: ProcessTable,
    pub(crate) stdin: StdinQueue,
    pub(crate) wakeups: Vec<WaitKey>,
    pub(crate) pipes: crate::pipe::Pipes,
    /// The pipe behind each FIFO that has open ends.
    pub(crate) fifos: alloc::collections::BTreeMap<vfs::NodeRef, u32>,
    /// Processes another process killed, stopped or signalled since the
    /// engine last asked ([`Kernel::take_interrupts`]).
    pub(crate) interrupts: Vec<u32>,
    /// The process whose syscall is running, if any.
    pub(crate) current: Option<u32>,
    /// Settings of the host terminal, as `TCSETS` left them.
    pub(crate) tty: crate::syscall::tty::TtyState,
}

/// Builds an [`FsCtx`] borrowing the kernel's process table and open files,
/// leaving `$k.vfs` free to borrow mutably.
#[macro_export]
#[doc(hidden)]
macro_rules! fs_ctx {
    ($k:expr, $pid:expr, $snap:ident, $cx:ident) => {
        let $snap = $crate::process::ProcSnapshot { procs: &$k.procs, files: &$k.files };
        let (uid, gid) = $k.procs.get($pid).map_or((0, 0), |p| (p.euid, p.egid));
        let $cx = $crate::vfs::FsCtx {
            now: $crate::abi::layout::Timespec::from_nanos($k.host.realtime_ns()),
            pid: $pid,
            uid,
            gid,
            procs: &$snap,
        };
    };
}

impl Kernel {
    /// A kernel with `/` (memfs), `/tmp` (memfs), `/dev` and `/proc`.
    pub fn new(host: Box<dyn Host>, config: KernelConfig) -> Self {
        let mut k = Kernel {
            host,
            config,
            vfs: MountTable::new(Box::new(vfs::memfs::MemFs::new())),
            files: OpenFiles::default(),
            procs: ProcessTable::default(),
            stdin: StdinQueue::default(),
            wakeups: Vec::new(),
            pipes: Default::default(),
            fifos: Default::default(),
            interrupts: Vec::new(),
            current: None,
            tty: Default::default(),
        };
        for dir in [&b"/bin"[..], b"/etc", b"/home", b"/usr/bin", b"/var/tmp", b"/root"] {
            k.mkdir_p(dir).expect("creating the root skeleton in memfs");
        }
        // The account and host files programs expect on any Linux system.
        for (path, data) in [
            (&b"/etc/passwd"[..], &b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"[..]),
            (b"/etc/group", b"root:x:0:\nnogroup:x:65534:\n"),
            (b"/etc/hosts", b"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
            (b"/etc/hostname", b"wasmos\n"),
        ] {
            k.write_file(path, data, 0o644).expect("seeding /etc in memfs");
        }
        k.mount(b"/tmp", Box::new(vfs::memfs::MemFs::with_type("tmpfs", 0o1777)), false).expect("mounting /tmp");
        k.mount(b"/dev", Box::new(vfs::devfs::DevFs::new()), false).expect("mounting /dev");
        k.mount(b"/proc", Box::new(vfs::procfs::ProcFs::new()), true).expect("mounting /proc");
        k
    }

    /// Mounts `fs` at `path`, creating the mount point (and its parents) in
    /// the file system below if missing.
    pub fn mount(&mut self, path: &[u8], fs: Box<dyn FileSystem>, readonly: bool) -> KResult<()> {
        let covers = self.mkdir_p(path)?;
        let canon = vfs::path::normalize(path);
        self.vfs.add(covers, canon, fs, readonly);
        Ok(())
    }

    /// Creates `path` and its missing parents as directories (mode 0755).
    pub fn mkdir_p(&mut self, path: &[u8]) -> KResult<vfs::NodeRef> {
        fs_ctx!(self, 0, snap, cx);
        vfs::path::mkdir_p(&mut self.vfs, &cx, path)
    }

    /// Creates (or replaces) a regular file at the absolute `path` with
    /// `data`, creating missing parent directories. For engines seeding the
    /// root file system.
    pub fn write_file(&mut self, path: &[u8], data: &[u8], mode: u32) -> KResult<()> {
        let split = path.iter().rposition(|&c| c == b'/').ok_or(Errno::EINVAL)?;
        let (dir, name) = (&path[..split], &path[split + 1..]);
        if name.is_empty() {
            return Err(Errno::EISDIR);
        }
        let dir = self.mkdir_p(dir)?;
        fs_ctx!(self, 0, snap, cx);
        let fs = &mut self.vfs.get_mut(dir.mount).fs;
        let ino = match fs.lookup(&cx, dir.ino, name) {
            Ok(ino) => ino,
            Err(Errno::ENOENT) => fs.create(&cx, dir.ino, name, vfs::NewNode::File, mode)?,
            Err(e) => return Err(e),
        };
        fs.setattr(&cx, ino, &vfs::SetAttr { size: Some(0), ..Default::default() })?;
        let mut off = 0;
        while off < data.len() {
            off += fs.write(&cx, ino, off as u64, &data[off..])?;
        }
        Ok(())
    }

    /// Creates the first process, with descriptors 0–2 on the host's
    /// standard streams. Returns its pid.
    pub fn spawn(&mut self, spec: SpawnSpec) -> KResult<u32> {
        let want = if spec.cwd.is_empty() { b"/".to_vec() } else { spec.cwd.clone() };
        // Resolve (following symlinks) so the stored path names the node.
        let (cwd, cwd_path) = {
            fs_ctx!(self, 0, snap, cx);
            let root = vfs::path::root(&self.vfs);
            let r = vfs::path::resolve(&mut self.vfs, &cx, &root, &want, true)?;
            match r.kind {
                FileKind::Node(n)
                    if vfs::path::stat(&mut self.vfs, &cx, n)?.mode & crate::abi::flags::S_IFMT == crate::abi::flags::S_IFDIR =>
                {
                    (n, r.path)
                }
                _ => return Err(Errno::ENOTDIR),
            }
        };
        let pid = self.procs.alloc_pid();
        let mut p = Process::new(pid, cwd, cwd_path);
        p.ppid = 0;
        p.argv = spec.argv;
        p.envp = spec.envp;
        p.exe = spec.exe;
        p.start_ns = self.host.monotonic_ns();
        p.mm.limit = self.config.max_memory;
        for fd in 0..3u8 {
            let flags = if fd == 0 { crate::abi::flags::O_RDONLY } else { crate::abi::flags::O_WRONLY };
            let path = alloc::format!("/dev/std{}", ["in", "out", "err"][fd as usize]).into_bytes();
            let ofd = self.files.insert(OpenFile::new(FileKind::Device { dev: Device::HostStream(fd), node: None }, flags, path));
            self.files.add_ref(ofd);
            p.fds.install(fd as u32, FdEntry { ofd, cloexec: false });
        }
        self.procs.procs.insert(pid, p);
        self.tty.fg_pgrp.get_or_insert(pid);
        Ok(pid)
    }

    /// Runs one syscall for `pid`. `retry` is true when the engine calls
    /// again after an [`Outcome::Pending`].
    ///
    /// A stopped process's calls stay pending (on [`WaitKey::process`])
    /// until it is continued. A call that would wait while a signal with a
    /// handler is deliverable (and [`KernelConfig::signal_handlers`] is on)
    /// is interrupted instead: it returns what it already moved, `-EINTR`,
    /// or [`crate::engine::RESTART_SYSCALL`] for `SA_RESTART` handlers.
    pub fn syscall(&mut self, pid: u32, mem: &mut dyn Memory, nr: u32, args: [u32; 6], retry: bool) -> Outcome {
        match self.procs.get(pid).map(|p| (p.state, p.stopped)) {
            Some((ProcState::Running, None)) => {}
            Some((ProcState::Running, Some(_))) => {
                return Outcome::Pending(crate::engine::Pending { key: WaitKey::process(pid), deadline: None });
            }
            Some((ProcState::Zombie(s), _)) => return Outcome::Exit(s),
            None => return Outcome::Return(Errno::ESRCH.neg()),
        }
        self.current = Some(pid);
        self.tick();
        let mut call = Call { pid, mem, args, retry };
        let r = syscall::table::dispatch(self, &mut call, nr);
        self.current = None;
        // The call may have ended its own process (exit, a signal to
        // itself, SIGPIPE).
        if let Some(s) = self.exit_status(pid) {
            return Outcome::Exit(s);
        }
        match r {
            Err(Stop::Pending(p)) => match self.interrupted(pid, nr) {
                Some(v) => Outcome::Return(v),
                None => {
                    let proc = self.proc_mut(pid);
                    proc.waiting = Some(p.key);
                    // Wake up in time for the caller's own alarm.
                    let deadline = match (p.deadline, proc.itimer) {
                        (d, None) => d,
                        (None, Some(t)) => Some(t.deadline),
                        (Some(d), Some(t)) => Some(d.min(t.deadline)),
                    };
                    Outcome::Pending(crate::engine::Pending { key: p.key, deadline })
                }
            },
            r => {
                let p = self.proc_mut(pid);
                p.waiting = None;
                p.io_done = 0;
                p.poll_keys.clear();
                // A mask ppoll/pselect6 replaced for the call.
                if let Some(m) = p.signals.saved_mask.take() {
                    p.signals.mask = m;
                }
                match r {
                    Ok(v) => Outcome::Return(v),
                    Err(Stop::Err(e)) => Outcome::Return(e.neg()),
                    Err(Stop::Exit(s)) => Outcome::Exit(s),
                    Err(Stop::Pending(_)) => unreachable!(),
                }
            }
        }
    }

    /// Bytes the host read from its stdin, for the guest.
    pub fn stdin_input(&mut self, data: &[u8]) {
        self.stdin.buf.extend(data.iter().copied());
        self.stdin.eof = false;
        self.wake(WaitKey::STDIN);
    }

    /// The host's stdin reached end of file.
    pub fn stdin_eof(&mut self) {
        self.stdin.eof = true;
        self.wake(WaitKey::STDIN);
    }

    /// Reports `key` as woken, and with it the process key of every
    /// process whose pending poll watches `key`.
    pub(crate) fn wake(&mut self, key: WaitKey) {
        if !self.wakeups.contains(&key) {
            self.wakeups.push(key);
        }
        let pollers: Vec<u32> = self.procs.procs.values().filter(|p| p.poll_keys.contains(&key)).map(|p| p.pid).collect();
        for pid in pollers {
            let k = WaitKey::process(pid);
            if !self.wakeups.contains(&k) {
                self.wakeups.push(k);
            }
        }
    }

    /// Keys woken since the last call; the engine re-runs syscalls pending
    /// on them.
    pub fn take_wakeups(&mut self) -> Vec<WaitKey> {
        core::mem::take(&mut self.wakeups)
    }

    pub(crate) fn proc(&self, pid: u32) -> &Process {
        self.procs.get(pid).expect("syscall from a pid the kernel does not know")
    }

    pub(crate) fn proc_mut(&mut self, pid: u32) -> &mut Process {
        self.procs.get_mut(pid).expect("syscall from a pid the kernel does not know")
    }

    /// Closes one descriptor, releasing the description when it was the last
    /// reference.
    pub(crate) fn close_fd(&mut self, pid: u32, fd: i32) -> KResult<()> {
        let e = self.proc_mut(pid).fds.remove(fd)?;
        self.drop_ofd(e.ofd);
        Ok(())
    }

    pub(crate) fn drop_ofd(&mut self, ofd: crate::fd::OfdId) {
        if let Some(f) = self.files.drop_ref(ofd) {
            if let (Some(id), false) = (f.pipe(), f.flags & crate::abi::flags::O_PATH != 0) {
                for key in self.pipes.close_end(id, f.readable(), f.writable()).into_iter().flatten() {
                    self.wake(key);
                }
                if !self.pipes.contains(id) {
                    self.fifos.retain(|_, p| *p != id);
                }
            }
            if let Some(node) = f.node() {
                if let FileKind::Node(_) = f.kind {
                    self.vfs.get_mut(node.mount).fs.release(node.ino);
                }
            }
        }
    }

    /// A snapshot of the process table for `/proc`-like views.
    pub fn snapshot(&self) -> ProcSnapshot<'_> {
        ProcSnapshot { procs: &self.procs, files: &self.files }
    }

    /// Number of live (not yet ended) processes.
    pub fn process_count(&self) -> usize {
        self.procs.procs.values().filter(|p| p.state == ProcState::Running).count()
    }
}

#[cfg(test)]
mod tests {
    use crate::abi::flags::*;
    use crate::abi::syscalls::nr;
    use crate::testutil::Harness;

    #[test]
    fn root_has_etc_files_and_write_file_replaces() {
        let mut h = Harness::new();
        h.k.write_file(b"/etc/motd", b"first version, long", 0o600).unwrap();
        h.k.write_file(b"/etc/motd", b"second", 0o600).unwrap();
        h.k.write_file(b"/opt/new/dir/f", b"x", 0o644).unwrap();
        for (path, want) in [("/etc/motd", &b"second"[..]), ("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"), ("/opt/new/dir/f", b"x")] {
            let p = h.cstr(path);
            let fd = h.sys(nr::openat, &[AT_FDCWD as u32, p, O_RDONLY, 0]);
            assert!(fd >= 0, "{path}: {fd}");
            let buf = h.alloc(64);
            let n = h.sys(nr::read, &[fd as u32, buf, 64]);
            assert!(h.bytes(buf, n as usize).starts_with(want), "{path}");
            if path == "/etc/motd" {
                assert_eq!(n, 6);
            }
        }
        assert!(h.k.write_file(b"/etc/", b"", 0o644).is_err());
    }
}

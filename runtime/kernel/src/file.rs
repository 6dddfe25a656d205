//! Files at work: opening paths into descriptions, and reading, writing,
//! seeking, stat-ing and listing through them. Shared by every front end
//! (the Linux syscalls now, WASI later) and by engines (`read_path` for
//! exec).
//!
//! Reads and writes dispatch on [`FileKind`]: nodes go to their file
//! system, devices are served here. Standard input is the kernel's
//! [`StdinQueue`](crate::kernel::StdinQueue): reading it when empty fails
//! with `EAGAIN`, which the syscall layer turns into a pending wait on
//! [`WaitKey::STDIN`](crate::WaitKey::STDIN) unless `O_NONBLOCK`.
//!
//! `/dev/tty` and the host streams: reads come from the stdin queue;
//! writes to `/dev/tty` (or to stream 0 opened for writing) go to host
//! stream 2 if it is a terminal, else to stream 1 if that is, else to 2.

use alloc::vec;
use alloc::vec::Vec;

use crate::abi::flags::*;
use crate::abi::layout::Stat;
use crate::dev::{makedev, Device};
use crate::engine::StreamKind;
use crate::fd::{FileKind, OfdId, OpenFile};
use crate::vfs::memfs::MemFs;
use crate::vfs::path::{self, is_dir, Loc, Lookup, Resolved};
use crate::vfs::{ops, DirEntry, NewNode, NodeRef, SetAttr};
use crate::{fs_ctx, Errno, KResult, Kernel};

/// `st_dev` reported for host streams.
const HOST_STREAM_DEV: u64 = makedev(0, 0x3f);
/// `st_dev` of pipes (Linux's pipefs is an anonymous device too).
const PIPEFS_DEV: u64 = makedev(0, 0xd);
/// Path of the detached mount holding memfd files.
const MEMFD_MOUNT: &[u8] = b"memfd:";
/// Flags an open description keeps (the rest only matter while opening).
const OPEN_ONLY: u32 = O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC;

/// The flags a new description records, as `F_GETFL` reports them.
pub fn kept_flags(flags: u32) -> u32 {
    if flags & O_PATH != 0 {
        flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW)
    } else {
        (flags & !OPEN_ONLY) | O_LARGEFILE
    }
}

/// Whether positioned I/O (`pread`, `pwrite`) makes sense on `kind`.
fn seekable(kind: &FileKind) -> bool {
    match kind {
        FileKind::Device { dev, .. } => seekable_device(*dev),
        FileKind::Pipe { .. } => false,
        FileKind::Node(_) => true,
    }
}

/// Whether a device has a file position (Linux lets you seek `/dev/null`
/// and friends, always landing on 0).
pub fn seekable_device(dev: Device) -> bool {
    !matches!(dev, Device::Tty | Device::HostStream(_))
}

impl Kernel {
    /// Where a `*at` call starts: `/` for absolute paths (the descriptor is
    /// not even looked at), the cwd for `AT_FDCWD`, else the descriptor's
    /// node (`ENOTDIR` unless a directory, checked when walking).
    pub fn at_start(&self, pid: u32, dirfd: i32, p: &[u8]) -> KResult<Loc> {
        if p.starts_with(b"/") {
            return Ok(path::root(&self.vfs));
        }
        let proc = self.proc(pid);
        if dirfd == AT_FDCWD {
            return Ok(Loc { node: proc.cwd, path: proc.cwd_path.clone() });
        }
        let f = self.files.get(proc.fds.get(dirfd)?.ofd);
        match f.kind {
            FileKind::Node(node) => Ok(Loc { node, path: f.path.clone() }),
            FileKind::Device { .. } | FileKind::Pipe { .. } => Err(Errno::ENOTDIR),
        }
    }

    /// The description behind `fd`.
    pub fn fd_ofd(&self, pid: u32, fd: i32) -> KResult<OfdId> {
        Ok(self.proc(pid).fds.get(fd)?.ofd)
    }

    /// Resolves `p` for `pid` the way `*at` calls with `AT_*` flags do:
    /// `AT_EMPTY_PATH` with an empty path names `dirfd` itself,
    /// `AT_SYMLINK_NOFOLLOW` leaves a final symlink alone.
    pub fn resolve_at(&mut self, pid: u32, dirfd: i32, p: &[u8], at_flags: u32) -> KResult<Resolved> {
        if p.is_empty() && at_flags & AT_EMPTY_PATH != 0 {
            if dirfd == AT_FDCWD {
                let proc = self.proc(pid);
                return Ok(Resolved { kind: FileKind::Node(proc.cwd), path: proc.cwd_path.clone() });
            }
            let f = self.files.get(self.fd_ofd(pid, dirfd)?);
            return Ok(Resolved { kind: f.kind.clone(), path: f.path.clone() });
        }
        let start = self.at_start(pid, dirfd, p)?;
        fs_ctx!(self, pid, snap, cx);
        path::resolve(&mut self.vfs, &cx, &start, p, at_flags & AT_SYMLINK_NOFOLLOW == 0)
    }

    /// Opens `p` like `openat(2)`: returns a description with no
    /// descriptor yet (install it, or drop it with [`Kernel::discard_ofd`]).
    pub fn open_at(&mut self, pid: u32, dirfd: i32, p: &[u8], flags: u32, mode: u32) -> KResult<OfdId> {
        if flags & O_TMPFILE == O_TMPFILE {
            if flags & O_ACCMODE == O_RDONLY || flags & O_CREAT != 0 {
                return Err(Errno::EINVAL);
            }
            let r = self.resolve_at(pid, dirfd, p, 0)?;
            let n = r.node().ok_or(Errno::ENOTDIR)?;
            if !is_dir(&self.stat_node(pid, n)?) {
                return Err(Errno::ENOTDIR);
            }
            // An unnamed file would need a way to link it later; tmpfile()
            // falls back to mkstemp.
            return Err(Errno::EOPNOTSUPP);
        }
        if flags & O_CREAT != 0 && flags & O_DIRECTORY != 0 {
            return Err(Errno::EINVAL);
        }
        let start = self.at_start(pid, dirfd, p)?;
        let perm = mode & 0o7777 & !self.proc(pid).umask;
        let (r, created) = {
            fs_ctx!(self, pid, snap, cx);
            let vfs = &mut self.vfs;
            if flags & O_CREAT == 0 {
                (path::resolve(vfs, &cx, &start, p, flags & O_NOFOLLOW == 0)?, false)
            } else if p.ends_with(b"/") {
                path::parent(vfs, &cx, &start, p)?;
                return Err(Errno::EISDIR);
            } else {
                match path::walk(vfs, &cx, &start, p, flags & (O_EXCL | O_NOFOLLOW) == 0)? {
                    Lookup::Found(_) if flags & O_EXCL != 0 => return Err(Errno::EEXIST),
                    Lookup::Found(r) => (r, false),
                    Lookup::Missing(parent) => {
                        let (node, path) = ops::create_in(vfs, &cx, &parent, NewNode::File, perm)?;
                        (Resolved { kind: FileKind::Node(node), path }, true)
                    }
                }
            }
        };
        self.open_resolved(pid, r, flags, created)
    }

    /// A new description on what `r` names (a node, or the object behind a
    /// magic link), after the checks `open` makes on the object.
    pub fn open_resolved(&mut self, pid: u32, r: Resolved, flags: u32, created: bool) -> KResult<OfdId> {
        let n = match r.kind {
            FileKind::Device { .. } if flags & O_DIRECTORY != 0 => return Err(Errno::ENOTDIR),
            FileKind::Device { .. } => return Ok(self.files.insert(OpenFile::new(r.kind, kept_flags(flags), r.path))),
            FileKind::Pipe { .. } if flags & O_DIRECTORY != 0 => return Err(Errno::ENOTDIR),
            // Reopening a pipe through /proc/PID/fd/N opens another end.
            FileKind::Pipe { id, .. } => {
                let f = OpenFile::new(r.kind, kept_flags(flags), r.path);
                if f.flags & O_PATH == 0 {
                    self.pipes.open_end(id, f.readable(), f.writable());
                }
                return Ok(self.files.insert(f));
            }
            FileKind::Node(n) => n,
        };
        let acc = flags & O_ACCMODE;
        let wants_write = flags & O_PATH == 0 && (acc != O_RDONLY || flags & O_TRUNC != 0);
        let wants_read = flags & O_PATH == 0 && acc != O_WRONLY;
        let kind = {
            fs_ctx!(self, pid, snap, cx);
            let vfs = &mut self.vfs;
            let st = path::stat(vfs, &cx, n)?;
            let ty = st.mode & S_IFMT;
            if flags & O_DIRECTORY != 0 && ty != S_IFDIR {
                return Err(Errno::ENOTDIR);
            }
            if ty == S_IFLNK && flags & O_PATH == 0 {
                return Err(Errno::ELOOP);
            }
            let mut kind = FileKind::Node(n);
            if flags & O_PATH == 0 {
                match ty {
                    S_IFDIR if wants_write || flags & O_CREAT != 0 => return Err(Errno::EISDIR),
                    S_IFCHR => {
                        let dev = Device::from_rdev(st.rdev).ok_or(Errno::ENXIO)?;
                        if dev == Device::Tty && self.host.stream_kind(0) != StreamKind::Tty {
                            return Err(Errno::ENXIO);
                        }
                        kind = FileKind::Device { dev, node: Some(n) };
                    }
                    // The pipe is attached below, after the access checks.
                    S_IFIFO => kind = FileKind::Pipe { id: 0, node: Some(n) },
                    // Sockets and block devices have no driver.
                    S_IFSOCK | S_IFBLK => return Err(Errno::ENXIO),
                    _ => {}
                }
                if wants_write && matches!(ty, S_IFREG | S_IFDIR) {
                    ops::writable(vfs, n)?;
                }
                if !created {
                    let mask = if wants_read { R_OK } else { 0 } | if wants_write { W_OK } else { 0 };
                    if !path::permits(&st, cx.uid, cx.gid, mask) {
                        return Err(Errno::EACCES);
                    }
                }
                if flags & O_TRUNC != 0 && ty == S_IFREG && !created {
                    vfs.get_mut(n.mount).fs.setattr(&cx, n.ino, &SetAttr { size: Some(0), ..Default::default() })?;
                }
            }
            if let FileKind::Node(n) = kind {
                vfs.get_mut(n.mount).fs.open(&cx, n.ino)?;
            }
            kind
        };
        if let FileKind::Pipe { node: Some(n), .. } = kind {
            return self.open_fifo(n, flags, r.path);
        }
        Ok(self.files.insert(OpenFile::new(kind, kept_flags(flags), r.path)))
    }

    /// Opens an end of the pipe behind the FIFO `n` (created on first
    /// open, gone when the last end closes). A write-only `O_NONBLOCK` open
    /// with no reader fails with `ENXIO`; a blocking one-sided open gets its
    /// description here and waits for a partner in `openat`
    /// ([`Kernel::fifo_must_wait`]).
    fn open_fifo(&mut self, n: NodeRef, flags: u32, path: Vec<u8>) -> KResult<OfdId> {
        let fresh = !self.fifos.contains_key(&n);
        let id = match self.fifos.get(&n) {
            Some(&id) => id,
            None => self.pipes.create(),
        };
        let f = OpenFile::new(FileKind::Pipe { id, node: Some(n) }, kept_flags(flags), path);
        let (r, w) = (f.readable(), f.writable());
        if w && !r && flags & O_NONBLOCK != 0 && self.pipes.get(id).readers == 0 {
            if fresh {
                self.pipes.remove(id);
            }
            return Err(Errno::ENXIO);
        }
        self.fifos.insert(n, id);
        self.pipes.open_end(id, r, w);
        // Partners waiting in open.
        self.wake(crate::pipe::read_key(id));
        self.wake(crate::pipe::write_key(id));
        Ok(self.files.insert(f))
    }

    /// For a FIFO end just opened without `O_NONBLOCK`: the key to wait on
    /// and the partner-open count to wait past, when the other side has
    /// nobody yet (Linux's `wait_for_partner`).
    pub fn fifo_must_wait(&self, ofd: OfdId) -> Option<(crate::WaitKey, u32)> {
        let f = self.files.get(ofd);
        let FileKind::Pipe { id, node: Some(_) } = f.kind else { return None };
        if f.flags & O_NONBLOCK != 0 {
            return None;
        }
        let p = self.pipes.get(id);
        match (f.readable(), f.writable()) {
            (true, false) if p.writers == 0 => Some((crate::pipe::read_key(id), p.write_opens)),
            (false, true) if p.readers == 0 => Some((crate::pipe::write_key(id), p.read_opens)),
            _ => None,
        }
    }

    /// Whether the partner a FIFO open waits for has come (even if it went
    /// again).
    pub fn fifo_partner_came(&self, ofd: OfdId, seen: u32) -> bool {
        let f = self.files.get(ofd);
        let FileKind::Pipe { id, .. } = f.kind else { return true };
        let p = self.pipes.get(id);
        if f.readable() {
            p.write_opens != seen
        } else {
            p.read_opens != seen
        }
    }

    /// Drops a description that never got a descriptor.
    pub fn discard_ofd(&mut self, ofd: OfdId) {
        self.files.add_ref(ofd);
        self.drop_ofd(ofd);
    }

    /// Puts `ofd` at the lowest free descriptor ≥ `min` (`EMFILE` when none
    /// is below `RLIMIT_NOFILE`). Takes a reference on `ofd`.
    pub fn install_fd(&mut self, pid: u32, ofd: OfdId, min: u32, cloexec: bool) -> KResult<u32> {
        let p = self.proc(pid);
        let fd = p.fds.lowest_free(min, p.nofile())?;
        self.files.add_ref(ofd);
        self.proc_mut(pid).fds.install(fd, crate::fd::FdEntry { ofd, cloexec });
        Ok(fd)
    }

    /// A new unnamed memory file (`memfd_create`), on a file system of its
    /// own that no path reaches.
    pub fn memfd(&mut self, pid: u32, name: &[u8]) -> KResult<OfdId> {
        let found = self.vfs.iter().find(|(_, m)| m.covers.is_none() && m.path == MEMFD_MOUNT).map(|(m, _)| m);
        let m = match found {
            Some(m) => m,
            None => self.vfs.add_detached(MEMFD_MOUNT.to_vec(), alloc::boxed::Box::new(MemFs::new())),
        };
        let root = self.vfs.mount_root(m);
        let node = {
            fs_ctx!(self, pid, snap, cx);
            let fs = &mut self.vfs.get_mut(m).fs;
            let ino = fs.create(&cx, root.ino, b"memfd", NewNode::File, 0o777)?;
            fs.open(&cx, ino)?;
            fs.unlink(&cx, root.ino, b"memfd")?;
            NodeRef { mount: m, ino }
        };
        let mut p = b"/memfd:".to_vec();
        p.extend_from_slice(name);
        p.extend_from_slice(b" (deleted)");
        Ok(self.files.insert(OpenFile::new(FileKind::Node(node), kept_flags(O_RDWR), p)))
    }

    /// Attributes of a node, `st_dev` filled in.
    pub fn stat_node(&mut self, pid: u32, n: NodeRef) -> KResult<Stat> {
        fs_ctx!(self, pid, snap, cx);
        path::stat(&mut self.vfs, &cx, n)
    }

    /// `fstat` of any object: its node, or for a host stream what the host
    /// says it is.
    pub fn stat_kind(&mut self, pid: u32, kind: &FileKind) -> KResult<Stat> {
        let now = crate::abi::layout::Timespec::from_nanos(self.host.realtime_ns());
        let dev = match *kind {
            FileKind::Node(n) | FileKind::Device { node: Some(n), .. } | FileKind::Pipe { node: Some(n), .. } => {
                return self.stat_node(pid, n)
            }
            FileKind::Device { dev, node: None } => dev,
            FileKind::Pipe { id, .. } => {
                let (uid, gid) = (self.proc(pid).euid, self.proc(pid).egid);
                let mode = S_IFIFO | 0o600;
                return Ok(Stat {
                    dev: PIPEFS_DEV,
                    ino: id as u64,
                    mode,
                    nlink: 1,
                    uid,
                    gid,
                    blksize: 4096,
                    atime: now,
                    mtime: now,
                    ctime: now,
                    ..Default::default()
                });
            }
        };
        let mut st = Stat { dev: HOST_STREAM_DEV, nlink: 1, blksize: 4096, atime: now, mtime: now, ctime: now, ..Default::default() };
        st.ino = 0x100 + dev.rdev();
        let (mode, rdev) = match dev {
            Device::HostStream(s) => match self.host.stream_kind(s) {
                StreamKind::Tty => (S_IFCHR | 0o620, dev.rdev()),
                StreamKind::Pipe => (S_IFIFO | 0o600, 0),
                StreamKind::File => (S_IFREG | 0o644, 0),
                StreamKind::Null => (S_IFCHR | 0o666, Device::Null.rdev()),
            },
            d => (S_IFCHR | 0o666, d.rdev()),
        };
        st.mode = mode;
        st.rdev = rdev;
        Ok(st)
    }

    /// Reads from `ofd` at `at` (or its position, which then advances).
    /// `EAGAIN` means "nothing yet" (empty standard input).
    pub fn read_ofd(&mut self, pid: u32, ofd: OfdId, buf: &mut [u8], at: Option<u64>) -> KResult<usize> {
        let f = self.files.get(ofd);
        if at.is_some() && !seekable(&f.kind) {
            return Err(Errno::ESPIPE);
        }
        if !f.readable() {
            return Err(Errno::EBADF);
        }
        let (kind, pos) = (f.kind.clone(), at.unwrap_or(f.offset));
        let n = match kind {
            FileKind::Node(n) => {
                fs_ctx!(self, pid, snap, cx);
                self.vfs.get_mut(n.mount).fs.read(&cx, n.ino, pos, buf)?
            }
            FileKind::Device { dev, .. } => return self.device_read(dev, buf),
            FileKind::Pipe { id, .. } => {
                let n = self.pipes.get_mut(id).read(buf)?;
                if n > 0 {
                    self.wake(crate::pipe::write_key(id));
                }
                return Ok(n);
            }
        };
        if at.is_none() {
            self.files.get_mut(ofd).offset = pos + n as u64;
        }
        Ok(n)
    }

    /// Writes to `ofd` at `at` (or its position, which then advances);
    /// `O_APPEND` writes at the end. A pipe takes a write of at most
    /// `PIPE_BUF` bytes whole or not at all (`EAGAIN`: no room yet), and
    /// with no reader left fails with `EPIPE` after sending `SIGPIPE`.
    pub fn write_ofd(&mut self, pid: u32, ofd: OfdId, data: &[u8], at: Option<u64>) -> KResult<usize> {
        self.write_ofd_atomic(pid, ofd, data, at, data.len() <= crate::pipe::PIPE_BUF)
    }

    /// [`Kernel::write_ofd`] saying whether a pipe must take `data` whole
    /// (the syscall layer knows the size of the whole request).
    pub fn write_ofd_atomic(&mut self, pid: u32, ofd: OfdId, data: &[u8], at: Option<u64>, atomic: bool) -> KResult<usize> {
        let f = self.files.get(ofd);
        if at.is_some() && !seekable(&f.kind) {
            return Err(Errno::ESPIPE);
        }
        if !f.writable() {
            return Err(Errno::EBADF);
        }
        let (kind, append, pos) = (f.kind.clone(), f.flags & O_APPEND != 0, at.unwrap_or(f.offset));
        match kind {
            FileKind::Node(n) => {
                let (n, end) = {
                    fs_ctx!(self, pid, snap, cx);
                    let pos = if append { path::stat(&mut self.vfs, &cx, n)?.size as u64 } else { pos };
                    let w = self.vfs.get_mut(n.mount).fs.write(&cx, n.ino, pos, data)?;
                    (w, pos + w as u64)
                };
                if at.is_none() {
                    self.files.get_mut(ofd).offset = end;
                }
                Ok(n)
            }
            // The host's stdout or stderr may be a pipe whose reader left:
            // the same SIGPIPE + EPIPE as our own pipes.
            FileKind::Device { dev, .. } => match self.device_write(dev, data) {
                Err(Errno::EPIPE) => {
                    self.send_signal(pid, SIGPIPE);
                    Err(Errno::EPIPE)
                }
                r => r,
            },
            FileKind::Pipe { id, .. } => match self.pipes.get_mut(id).write(data, atomic) {
                Ok(n) => {
                    if n > 0 {
                        self.wake(crate::pipe::read_key(id));
                    }
                    Ok(n)
                }
                Err(Errno::EPIPE) => {
                    self.send_signal(pid, SIGPIPE);
                    Err(Errno::EPIPE)
                }
                Err(e) => Err(e),
            },
        }
    }

    /// `lseek`: the new position.
    pub fn seek_ofd(&mut self, pid: u32, ofd: OfdId, off: i64, whence: u32) -> KResult<u64> {
        if whence > SEEK_HOLE {
            return Err(Errno::EINVAL);
        }
        let f = self.files.get(ofd);
        if f.flags & O_PATH != 0 {
            return Err(Errno::EBADF);
        }
        let (kind, cur) = (f.kind.clone(), f.offset);
        let n = match kind {
            FileKind::Device { dev, .. } if seekable_device(dev) => {
                self.files.get_mut(ofd).offset = 0;
                return Ok(0);
            }
            FileKind::Device { .. } | FileKind::Pipe { .. } => return Err(Errno::ESPIPE),
            FileKind::Node(n) => n,
        };
        let st = self.stat_node(pid, n)?;
        let size = st.size as u64;
        let new = if is_dir(&st) {
            match whence {
                SEEK_SET => off,
                SEEK_CUR => (cur as i64).checked_add(off).ok_or(Errno::EINVAL)?,
                _ => return Err(Errno::EINVAL),
            }
        } else {
            match whence {
                SEEK_SET => off,
                SEEK_CUR => (cur as i64).checked_add(off).ok_or(Errno::EINVAL)?,
                SEEK_END => (size as i64).checked_add(off).ok_or(Errno::EINVAL)?,
                // Every byte is data: the only hole is at the end.
                _ if off < 0 || off as u64 >= size => return Err(Errno::ENXIO),
                SEEK_DATA => off,
                _ => size as i64,
            }
        };
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        self.files.get_mut(ofd).offset = new as u64;
        Ok(new as u64)
    }

    /// Up to `max` entries of the directory `ofd` from its position.
    pub fn readdir_ofd(&mut self, pid: u32, ofd: OfdId, max: usize) -> KResult<Vec<(DirEntry, u64)>> {
        let f = self.files.get(ofd);
        if f.flags & O_PATH != 0 {
            return Err(Errno::EBADF);
        }
        let FileKind::Node(n) = f.kind else { return Err(Errno::ENOTDIR) };
        let pos = f.offset;
        fs_ctx!(self, pid, snap, cx);
        if !is_dir(&path::stat(&mut self.vfs, &cx, n)?) {
            return Err(Errno::ENOTDIR);
        }
        self.vfs.get_mut(n.mount).fs.readdir(&cx, n.ino, pos, max)
    }

    /// The whole contents of the file at `p` (absolute, or relative to
    /// `pid`'s cwd), e.g. a binary to exec.
    pub fn read_path(&mut self, pid: u32, p: &[u8]) -> KResult<Vec<u8>> {
        let r = self.resolve_at(pid, AT_FDCWD, p, 0)?;
        let n = match r.kind {
            FileKind::Node(n) => n,
            FileKind::Device { .. } | FileKind::Pipe { .. } => return Err(Errno::EACCES),
        };
        fs_ctx!(self, pid, snap, cx);
        let st = path::stat(&mut self.vfs, &cx, n)?;
        if is_dir(&st) {
            return Err(Errno::EISDIR);
        }
        if st.mode & S_IFMT != S_IFREG {
            return Err(Errno::EACCES);
        }
        let fs = &mut self.vfs.get_mut(n.mount).fs;
        let mut out = Vec::with_capacity(st.size.max(0) as usize);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let got = fs.read(&cx, n.ino, out.len() as u64, &mut buf)?;
            if got == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..got]);
        }
    }

    /// Bytes that can be read from stdin without waiting.
    pub fn stdin_available(&self) -> usize {
        self.stdin.buf.len()
    }

    fn stdin_read(&mut self, buf: &mut [u8]) -> KResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.stdin.buf.is_empty() {
            return if self.stdin.eof { Ok(0) } else { Err(Errno::EAGAIN) };
        }
        let n = buf.len().min(self.stdin.buf.len());
        for (b, c) in buf.iter_mut().zip(self.stdin.buf.drain(..n)) {
            *b = c;
        }
        Ok(n)
    }

    fn device_read(&mut self, dev: Device, buf: &mut [u8]) -> KResult<usize> {
        match dev {
            Device::Null => Ok(0),
            Device::Zero | Device::Full => {
                buf.fill(0);
                Ok(buf.len())
            }
            Device::Random | Device::URandom => {
                self.host.random(buf);
                Ok(buf.len())
            }
            Device::Tty | Device::HostStream(0) => self.stdin_read(buf),
            Device::HostStream(s) if self.host.stream_kind(s) == StreamKind::Tty => self.stdin_read(buf),
            Device::HostStream(_) => Err(Errno::EBADF),
        }
    }

    /// The host stream terminal output goes to.
    pub(crate) fn tty_output_stream(&self) -> u8 {
        if self.host.stream_kind(2) != StreamKind::Tty && self.host.stream_kind(1) == StreamKind::Tty {
            1
        } else {
            2
        }
    }

    fn device_write(&mut self, dev: Device, data: &[u8]) -> KResult<usize> {
        let stream = match dev {
            Device::Null | Device::Zero | Device::Random | Device::URandom => return Ok(data.len()),
            Device::Full => return Err(Errno::ENOSPC),
            Device::Tty | Device::HostStream(0) => self.tty_output_stream(),
            Device::HostStream(s) => s,
        };
        let mut done = 0;
        while done < data.len() {
            match self.host.stream_write(stream, &data[done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(_) if done > 0 => break,
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

//! hostfs: a host directory as a kernel [`FileSystem`] (`--dir`).
//!
//! # Confinement
//!
//! The guest must never reach a host file outside the mounted directory.
//! The kernel resolves paths itself, one component at a time, handles `..`
//! at mount roots and follows symlinks within the guest namespace, so
//! hostfs only ever sees one entry name in one directory it already knows.
//! On top of that, hostfs never lets the host follow a symlink or walk a
//! path: every operation is a `*at` system call on a descriptor of the
//! containing directory, with `O_NOFOLLOW`/`AT_SYMLINK_NOFOLLOW`, and names
//! that are empty, `.`, `..` or contain `/` are refused. Directory
//! descriptors are opened entry by entry from the root (`O_PATH |
//! O_DIRECTORY | O_NOFOLLOW`), each checked against the inode it should be,
//! so a symlink swapped in by someone else yields an error, not an escape.
//!
//! # Inodes and descriptors
//!
//! See [`nodes`] for how kernel inode numbers map to host files. Directory
//! descriptors are cached (up to [`DIR_CACHE`]) since every operation needs
//! one. A regular file gets one host descriptor while the kernel has it
//! open ([`FileSystem::open`] to the last [`FileSystem::release`]): reads
//! and writes are `pread`/`pwrite` on it, it keeps an unlinked file alive
//! just as on Linux, and a file created with mode 0444 stays writable
//! through the descriptor that created it. Reads and writes outside an open
//! (rare: `truncate` by path) open the file for that one call.
//!
//! # Ownership
//!
//! Like a rootless container, the user running wasmos is root in the
//! guest: files owned by the host's effective uid/gid appear as 0, a file
//! owned by host root appears as 65534 (nobody), other ids as they are.
//! `chown` to 0 means the host user; any other `chown` is the host's to
//! allow (usually `EPERM`).

use std::collections::{HashMap, VecDeque};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use wasmos_kernel::abi::flags::{RENAME_EXCHANGE, RENAME_NOREPLACE};
use wasmos_kernel::abi::layout::{Stat, Timespec};
use wasmos_kernel::vfs::{DirEntry, FileSystem, FileType, FsCtx, Ino, NewNode, SetAttr};
use wasmos_kernel::{Errno, KResult};

mod dirs;
pub mod nodes;
mod sys;
#[cfg(test)]
mod tests;

use nodes::{kind_of, Nodes, ROOT};

/// Directory descriptors kept open.
pub const DIR_CACHE: usize = 256;
/// The id host root is shown as when wasmos does not run as root.
const OVERFLOW_ID: u32 = 65534;

/// Why a host directory cannot be mounted.
#[derive(Debug)]
pub enum OpenError {
    Io(io::Error),
    NotDir,
}

/// A mounted host directory.
pub struct HostFs {
    root: Arc<OwnedFd>,
    readonly: bool,
    nodes: Nodes,
    dir_fds: HashMap<Ino, Arc<OwnedFd>>,
    dir_order: VecDeque<Ino>,
    snaps: dirs::Snapshots,
    host_uid: u32,
    host_gid: u32,
}

impl HostFs {
    /// Opens the host directory `path` (symlinks in `path` itself are
    /// followed: it is the user's choice).
    pub fn open(path: &Path, readonly: bool) -> Result<HostFs, OpenError> {
        let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| OpenError::Io(io::ErrorKind::InvalidInput.into()))?;
        // SAFETY: valid C string; a new descriptor we own on success.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            return Err(if e.raw_os_error() == Some(libc::ENOTDIR) { OpenError::NotDir } else { OpenError::Io(e) });
        }
        let root = unsafe { OwnedFd::from_raw_fd(fd) };
        let st = sys::fstat(root.as_raw_fd()).map_err(|e| OpenError::Io(io::Error::from_raw_os_error(e.0 as i32)))?;
        // SAFETY: getters without arguments.
        let (host_uid, host_gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        Ok(HostFs {
            root: Arc::new(root),
            readonly,
            nodes: Nodes::new(&st),
            dir_fds: HashMap::new(),
            dir_order: VecDeque::new(),
            snaps: dirs::Snapshots::default(),
            host_uid,
            host_gid,
        })
    }

    fn writable(&self) -> KResult<()> {
        if self.readonly {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }

    fn cache_dir(&mut self, ino: Ino, fd: Arc<OwnedFd>) {
        if self.dir_fds.insert(ino, fd).is_none() {
            self.dir_order.push_back(ino);
            while self.dir_order.len() > DIR_CACHE {
                if let Some(old) = self.dir_order.pop_front() {
                    self.dir_fds.remove(&old);
                }
            }
        }
    }

    fn forget_dir(&mut self, ino: Ino) {
        if self.dir_fds.remove(&ino).is_some() {
            self.dir_order.retain(|&i| i != ino);
        }
        self.snaps.forget(ino);
    }

    /// An `O_PATH` descriptor of directory `ino`, opened entry by entry
    /// from the nearest cached ancestor and checked at every step.
    fn dir_fd(&mut self, ino: Ino) -> KResult<Arc<OwnedFd>> {
        if ino == ROOT {
            return Ok(self.root.clone());
        }
        if let Some(fd) = self.dir_fds.get(&ino) {
            return Ok(fd.clone());
        }
        let (start, below) = self.nodes.path_from(ino, |i| self.dir_fds.contains_key(&i))?;
        let mut cur = if start == ROOT { self.root.clone() } else { self.dir_fds[&start].clone() };
        for n in below {
            let node = self.nodes.get(n)?;
            if node.kind != FileType::Directory {
                return Err(Errno::ENOTDIR);
            }
            let fd = sys::openat(cur.as_raw_fd(), &node.name, libc::O_PATH | libc::O_DIRECTORY, 0)?;
            if !node.same_file(&sys::fstat(fd.as_raw_fd())?) {
                return Err(Errno::ESTALE);
            }
            let fd = Arc::new(fd);
            self.cache_dir(n, fd.clone());
            cur = fd;
        }
        Ok(cur)
    }

    /// The directory holding `ino` and its name there.
    fn locate(&mut self, ino: Ino) -> KResult<(Arc<OwnedFd>, Vec<u8>)> {
        if ino == ROOT {
            return Err(Errno::EBUSY);
        }
        let (parent, name) = {
            let n = self.nodes.get(ino)?;
            (n.parent, n.name.clone())
        };
        Ok((self.dir_fd(parent)?, name))
    }

    /// `lstat` of a node, through the best descriptor at hand.
    fn lstat(&mut self, ino: Ino) -> KResult<libc::stat> {
        if ino == ROOT {
            return sys::fstat(self.root.as_raw_fd());
        }
        if let Some(f) = &self.nodes.get(ino)?.file {
            return sys::fstat(f.as_raw_fd());
        }
        if let Some(d) = self.dir_fds.get(&ino) {
            return sys::fstat(d.as_raw_fd());
        }
        let (dir, name) = self.locate(ino)?;
        let st = sys::fstatat(dir.as_raw_fd(), &name)?;
        if !self.nodes.get(ino)?.same_file(&st) {
            return Err(Errno::ESTALE);
        }
        Ok(st)
    }

    /// An `O_PATH` descriptor of the node itself (a symlink is not
    /// followed), checked to be the right inode.
    fn path_fd(&mut self, ino: Ino) -> KResult<Arc<OwnedFd>> {
        if ino == ROOT || self.nodes.get(ino)?.kind == FileType::Directory {
            return self.dir_fd(ino);
        }
        let (dir, name) = self.locate(ino)?;
        let fd = sys::openat(dir.as_raw_fd(), &name, libc::O_PATH, 0)?;
        if !self.nodes.get(ino)?.same_file(&sys::fstat(fd.as_raw_fd())?) {
            return Err(Errno::ESTALE);
        }
        Ok(Arc::new(fd))
    }

    /// Opens regular file `ino` with `flags` (never blocking, never
    /// following a symlink), checked to be the right inode.
    fn open_regular(&mut self, ino: Ino, flags: i32) -> KResult<Arc<OwnedFd>> {
        match self.nodes.get(ino)?.kind {
            FileType::Regular => {}
            FileType::Directory => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        }
        let (dir, name) = self.locate(ino)?;
        let fd = sys::openat(dir.as_raw_fd(), &name, flags | libc::O_NONBLOCK, 0)?;
        if !self.nodes.get(ino)?.same_file(&sys::fstat(fd.as_raw_fd())?) {
            return Err(Errno::ESTALE);
        }
        Ok(Arc::new(fd))
    }

    /// The descriptor to read or write `ino` through.
    fn file_fd(&mut self, ino: Ino, write: bool) -> KResult<Arc<OwnedFd>> {
        if let Some(f) = &self.nodes.get(ino)?.file {
            return Ok(f.clone());
        }
        self.open_regular(ino, if write { libc::O_WRONLY } else { libc::O_RDONLY })
    }

    fn guest_uid(&self, host: u32) -> u32 {
        map_id(host, self.host_uid)
    }

    fn guest_gid(&self, host: u32) -> u32 {
        map_id(host, self.host_gid)
    }

    fn to_stat(&self, ino: Ino, st: &libc::stat) -> Stat {
        let ts = |sec: i64, nsec: i64| Timespec { sec, nsec: nsec as u32 };
        Stat {
            dev: 0,
            ino,
            mode: st.st_mode,
            nlink: st.st_nlink as u32,
            uid: self.guest_uid(st.st_uid),
            gid: self.guest_gid(st.st_gid),
            rdev: st.st_rdev,
            size: st.st_size,
            blksize: st.st_blksize as i32,
            blocks: st.st_blocks,
            atime: ts(st.st_atime, st.st_atime_nsec),
            mtime: ts(st.st_mtime, st.st_mtime_nsec),
            ctime: ts(st.st_ctime, st.st_ctime_nsec),
        }
    }

    /// A fresh listing of `dir`: `.`, `..`, then the host entries by name.
    fn listing(&mut self, dir: Ino) -> KResult<Vec<DirEntry>> {
        let fd = self.dir_fd(dir)?;
        let dev = self.nodes.get(dir)?.dev;
        let mut raw = sys::list_dir(fd.as_raw_fd())?;
        raw.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        let parent = self.nodes.get(dir)?.parent;
        let mut out = Vec::with_capacity(raw.len() + 2);
        out.push(DirEntry { ino: dir, name: b".".to_vec(), kind: FileType::Directory });
        out.push(DirEntry { ino: parent, name: b"..".to_vec(), kind: FileType::Directory });
        for e in raw {
            let st = match dtype_mode(e.dtype) {
                // A directory may be a mount point, whose `d_ino` is not
                // what `stat` says; unknown types need a stat anyway.
                Some(mode) if mode != libc::S_IFDIR => {
                    // SAFETY: an all-zero stat is a valid value.
                    let mut st: libc::stat = unsafe { std::mem::zeroed() };
                    (st.st_dev, st.st_ino, st.st_mode) = (dev, e.ino, mode);
                    st
                }
                _ => match sys::fstatat(fd.as_raw_fd(), &e.name) {
                    Ok(st) => st,
                    Err(Errno::ENOENT) => continue, // removed meanwhile
                    Err(err) => return Err(err),
                },
            };
            let ino = self.nodes.intern(dir, &e.name, &st);
            out.push(DirEntry { ino, name: e.name, kind: kind_of(st.st_mode) });
        }
        Ok(out)
    }
}

/// A host id as the guest sees it (see the module docs).
fn map_id(host: u32, me: u32) -> u32 {
    if host == me {
        0
    } else if host == 0 {
        OVERFLOW_ID
    } else {
        host
    }
}

/// The mode type bits for a `d_type`, if it says.
fn dtype_mode(dtype: u8) -> Option<u32> {
    Some(match dtype {
        libc::DT_REG => libc::S_IFREG,
        libc::DT_DIR => libc::S_IFDIR,
        libc::DT_LNK => libc::S_IFLNK,
        libc::DT_FIFO => libc::S_IFIFO,
        libc::DT_SOCK => libc::S_IFSOCK,
        libc::DT_CHR => libc::S_IFCHR,
        libc::DT_BLK => libc::S_IFBLK,
        _ => return None,
    })
}

impl FileSystem for HostFs {
    fn fs_type(&self) -> &'static str {
        "hostfs"
    }

    fn root(&self) -> Ino {
        ROOT
    }

    fn stat(&mut self, _cx: &FsCtx, ino: Ino) -> KResult<Stat> {
        let st = self.lstat(ino)?;
        Ok(self.to_stat(ino, &st))
    }

    fn lookup(&mut self, _cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<Ino> {
        let fd = self.dir_fd(dir)?;
        let st = sys::fstatat(fd.as_raw_fd(), name)?;
        Ok(self.nodes.intern(dir, name, &st))
    }

    fn parent(&mut self, _cx: &FsCtx, dir: Ino) -> KResult<Ino> {
        Ok(self.nodes.get(dir)?.parent)
    }

    fn create(&mut self, _cx: &FsCtx, dir: Ino, name: &[u8], node: NewNode, mode: u32) -> KResult<Ino> {
        self.writable()?;
        let dfd = self.dir_fd(dir)?;
        let d = dfd.as_raw_fd();
        let mode = mode & 0o7777;
        match node {
            NewNode::File => {
                let fd = sys::openat(d, name, libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_NONBLOCK, mode)?;
                // The host's umask applied to the mode; the guest's already
                // did, so set exactly what was asked.
                // SAFETY: plain syscall on our descriptor.
                unsafe { libc::fchmod(fd.as_raw_fd(), mode) };
                let st = sys::fstat(fd.as_raw_fd())?;
                let ino = self.nodes.intern(dir, name, &st);
                // Kept for the open that follows: a file created read-only
                // is still writable through its creating descriptor.
                self.nodes.get_mut(ino)?.file = Some(Arc::new(fd));
                Ok(ino)
            }
            NewNode::Dir => {
                sys::mkdirat(d, name, mode)?;
                let fd = sys::openat(d, name, libc::O_PATH | libc::O_DIRECTORY, 0)?;
                let st = sys::fstat(fd.as_raw_fd())?;
                if st.st_mode & 0o7777 != mode {
                    let _ = sys::chmod_fd(&fd, mode);
                }
                let ino = self.nodes.intern(dir, name, &st);
                self.cache_dir(ino, Arc::new(fd));
                Ok(ino)
            }
            NewNode::Symlink(target) => {
                sys::symlinkat(target, d, name)?;
                let st = sys::fstatat(d, name)?;
                Ok(self.nodes.intern(dir, name, &st))
            }
            NewNode::Fifo => {
                sys::mkfifoat(d, name, mode)?;
                let fd = sys::openat(d, name, libc::O_PATH, 0)?;
                let st = sys::fstat(fd.as_raw_fd())?;
                if st.st_mode & 0o7777 != mode {
                    let _ = sys::chmod_fd(&fd, mode);
                }
                Ok(self.nodes.intern(dir, name, &st))
            }
            // Never create device nodes on the host, even when we could.
            NewNode::CharDev(_) => Err(Errno::EPERM),
        }
    }

    fn unlink(&mut self, _cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<()> {
        self.writable()?;
        let fd = self.dir_fd(dir)?;
        let known = sys::fstatat(fd.as_raw_fd(), name).ok().and_then(|st| self.nodes.known(&st));
        sys::unlinkat(fd.as_raw_fd(), name, 0)?;
        if let Some(n) = known.and_then(|i| self.nodes.get_mut(i).ok()) {
            if n.opens == 0 {
                n.file = None;
            }
        }
        Ok(())
    }

    fn rmdir(&mut self, _cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<()> {
        self.writable()?;
        let fd = self.dir_fd(dir)?;
        let known = sys::fstatat(fd.as_raw_fd(), name).ok().and_then(|st| self.nodes.known(&st));
        sys::unlinkat(fd.as_raw_fd(), name, libc::AT_REMOVEDIR)?;
        if let Some(i) = known {
            self.forget_dir(i);
        }
        Ok(())
    }

    fn rename(&mut self, _cx: &FsCtx, from_dir: Ino, from: &[u8], to_dir: Ino, to: &[u8], flags: u32) -> KResult<()> {
        self.writable()?;
        if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE) != 0 {
            return Err(Errno::EINVAL);
        }
        let (ffd, tfd) = (self.dir_fd(from_dir)?, self.dir_fd(to_dir)?);
        let src = sys::fstatat(ffd.as_raw_fd(), from)?;
        let dst = sys::fstatat(tfd.as_raw_fd(), to).ok();
        sys::renameat2(ffd.as_raw_fd(), from, tfd.as_raw_fd(), to, flags)?;
        self.nodes.intern(to_dir, to, &src);
        if let (true, Some(dst)) = (flags & RENAME_EXCHANGE != 0, dst) {
            self.nodes.intern(from_dir, from, &dst);
        }
        Ok(())
    }

    fn link(&mut self, _cx: &FsCtx, ino: Ino, dir: Ino, name: &[u8]) -> KResult<()> {
        self.writable()?;
        let (sdir, sname) = self.locate(ino)?;
        if !self.nodes.get(ino)?.same_file(&sys::fstatat(sdir.as_raw_fd(), &sname)?) {
            return Err(Errno::ESTALE);
        }
        let dfd = self.dir_fd(dir)?;
        sys::linkat(sdir.as_raw_fd(), &sname, dfd.as_raw_fd(), name)
    }

    fn readlink(&mut self, _cx: &FsCtx, ino: Ino) -> KResult<Vec<u8>> {
        if self.nodes.get(ino)?.kind != FileType::Symlink {
            return Err(Errno::EINVAL);
        }
        let (dir, name) = self.locate(ino)?;
        if !self.nodes.get(ino)?.same_file(&sys::fstatat(dir.as_raw_fd(), &name)?) {
            return Err(Errno::ESTALE);
        }
        sys::readlinkat(dir.as_raw_fd(), &name)
    }

    fn readdir(&mut self, _cx: &FsCtx, dir: Ino, pos: u64, max: usize) -> KResult<Vec<(DirEntry, u64)>> {
        if self.nodes.get(dir)?.kind != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        let (gen, index) = dirs::decode(pos);
        let kept = if pos == 0 { None } else { self.snaps.get(dir, gen) };
        let (gen, entries) = match kept {
            Some(e) => (gen, e),
            None => {
                let list = self.listing(dir)?;
                self.snaps.insert(dir, list)
            }
        };
        Ok(entries.iter().enumerate().skip(index).take(max).map(|(i, e)| (e.clone(), dirs::encode(gen, i + 1))).collect())
    }

    fn read(&mut self, _cx: &FsCtx, ino: Ino, off: u64, buf: &mut [u8]) -> KResult<usize> {
        let fd = self.file_fd(ino, false)?;
        sys::pread(fd.as_raw_fd(), buf, off)
    }

    fn write(&mut self, _cx: &FsCtx, ino: Ino, off: u64, data: &[u8]) -> KResult<usize> {
        self.writable()?;
        let fd = self.file_fd(ino, true)?;
        sys::pwrite(fd.as_raw_fd(), data, off)
    }

    fn setattr(&mut self, _cx: &FsCtx, ino: Ino, attr: &SetAttr) -> KResult<()> {
        self.writable()?;
        if let Some(size) = attr.size {
            let fd = self.file_fd(ino, true)?;
            match sys::ftruncate(fd.as_raw_fd(), size) {
                // The open descriptor is read-only: truncate through a
                // writable one.
                Err(Errno::EBADF | Errno::EINVAL) => {
                    let fd = self.open_regular(ino, libc::O_WRONLY)?;
                    sys::ftruncate(fd.as_raw_fd(), size)?;
                }
                r => r?,
            }
        }
        let is_link = self.nodes.get(ino)?.kind == FileType::Symlink;
        if let Some(mode) = attr.mode {
            if is_link {
                return Err(Errno::EOPNOTSUPP);
            }
            let fd = self.path_fd(ino)?;
            sys::chmod_fd(&fd, mode & 0o7777)?;
        }
        if attr.uid.is_some() || attr.gid.is_some() {
            let to_host = |id: u32, me: u32| if id == 0 { me } else { id };
            let uid = attr.uid.map(|u| to_host(u, self.host_uid));
            let gid = attr.gid.map(|g| to_host(g, self.host_gid));
            let fd = self.path_fd(ino)?;
            sys::chown_fd(&fd, uid, gid)?;
        }
        if attr.atime.is_some() || attr.mtime.is_some() {
            if is_link {
                let (dir, name) = self.locate(ino)?;
                sys::utimes_link(dir.as_raw_fd(), &name, attr.atime, attr.mtime)?;
            } else {
                let fd = self.path_fd(ino)?;
                sys::utimes_fd(&fd, attr.atime, attr.mtime)?;
            }
        }
        Ok(())
    }

    fn open(&mut self, _cx: &FsCtx, ino: Ino) -> KResult<()> {
        let n = self.nodes.get(ino)?;
        if n.kind == FileType::Regular && n.file.is_none() {
            // The kernel checks the guest's access mode; the host
            // descriptor is as capable as the host allows.
            let modes: &[i32] = if self.readonly { &[libc::O_RDONLY] } else { &[libc::O_RDWR, libc::O_RDONLY, libc::O_WRONLY] };
            let mut last = Errno::EACCES;
            let mut fd = None;
            for &m in modes {
                match self.open_regular(ino, m) {
                    Ok(f) => {
                        fd = Some(f);
                        break;
                    }
                    Err(e @ (Errno::EACCES | Errno::EPERM | Errno::EROFS | Errno::ETXTBSY)) => last = e,
                    Err(e) => return Err(e),
                }
            }
            self.nodes.get_mut(ino)?.file = Some(fd.ok_or(last)?);
        }
        self.nodes.get_mut(ino)?.opens += 1;
        Ok(())
    }

    fn release(&mut self, ino: Ino) {
        if let Ok(n) = self.nodes.get_mut(ino) {
            n.opens = n.opens.saturating_sub(1);
            if n.opens == 0 {
                n.file = None;
            }
        }
    }

    fn sync(&mut self, ino: Ino) -> KResult<()> {
        match &self.nodes.get(ino)?.file {
            Some(f) => sys::fsync(f.as_raw_fd()),
            None => Ok(()),
        }
    }
}

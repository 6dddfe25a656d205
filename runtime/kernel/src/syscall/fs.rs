//! Opening files, directories and the working directory, file system
//! information, syncing and advisory locks.

use alloc::vec::Vec;

use super::*;
use crate::abi::flags::*;
use crate::engine::StreamKind;
use crate::fd::FileKind;
use crate::vfs::path::{is_dir, permits};
use crate::Kernel;

/// The description behind descriptor `fd` of the caller.
pub(super) fn ofd(k: &Kernel, c: &Call, fd: i32) -> Result<crate::fd::OfdId, Errno> {
    k.fd_ofd(c.pid, fd)
}

/// Like [`ofd`], refusing `O_PATH` descriptors (`EBADF`), as calls that
/// operate on the file itself do.
pub(super) fn io_ofd(k: &Kernel, c: &Call, fd: i32) -> Result<crate::fd::OfdId, Errno> {
    let o = k.fd_ofd(c.pid, fd)?;
    if k.files.get(o).flags & O_PATH != 0 {
        return Err(Errno::EBADF);
    }
    Ok(o)
}

/// A path argument that may be empty (with `AT_EMPTY_PATH`) or NULL.
pub(super) fn path_or_empty(c: &Call, i: usize, at_flags: u32) -> Result<Vec<u8>, Errno> {
    if c.u32(i) == 0 && at_flags & AT_EMPTY_PATH != 0 {
        return Ok(Vec::new());
    }
    c.path(i)
}

pub fn openat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (dirfd, flags, mode) = (c.i32(0), c.u32(2), c.u32(3));
    let p = c.path(1)?;
    let pid = c.pid;
    let cloexec = flags & O_CLOEXEC != 0;
    // A FIFO open waiting for its partner already has its description.
    if let (true, Some((o, seen))) = (c.retry, k.proc(pid).fifo_open) {
        if !k.fifo_partner_came(o, seen) {
            let key = k.fifo_must_wait(o).map_or(crate::WaitKey::TIMER, |w| w.0);
            return Err(Stop::Pending(Pending { key, deadline: None }));
        }
        k.proc_mut(pid).fifo_open = None;
        return install_opened(k, pid, o, cloexec);
    }
    // Linux reserves the descriptor first: EMFILE wins over path errors.
    let proc = k.proc(pid);
    proc.fds.lowest_free(0, proc.nofile())?;
    let o = k.open_at(pid, dirfd, &p, flags, mode)?;
    if let Some((key, seen)) = k.fifo_must_wait(o) {
        k.proc_mut(pid).fifo_open = Some((o, seen));
        return Err(Stop::Pending(Pending { key, deadline: None }));
    }
    install_opened(k, pid, o, cloexec)
}

fn install_opened(k: &mut Kernel, pid: u32, o: crate::fd::OfdId, cloexec: bool) -> SysResult {
    match k.install_fd(pid, o, 0, cloexec) {
        Ok(fd) => Ok(fd as i64),
        Err(e) => {
            k.discard_ofd(o);
            Err(e.into())
        }
    }
}

const MFD_CLOEXEC: u32 = 1;
const MFD_ALLOW_SEALING: u32 = 2;
const MFD_NOEXEC_SEAL: u32 = 8;
const MFD_EXEC: u32 = 0x10;
/// Longest memfd name (Linux `MFD_NAME_MAX_LEN`).
const MFD_NAME_MAX: usize = 249;

pub fn memfd_create(k: &mut Kernel, c: &mut Call) -> SysResult {
    let flags = c.u32(1);
    if flags & !(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let name = read_cstr(c.mem, c.u32(0), PATH_MAX)?;
    if name.len() > MFD_NAME_MAX {
        return Err(Errno::EINVAL.into());
    }
    let pid = c.pid;
    let proc = k.proc(pid);
    proc.fds.lowest_free(0, proc.nofile())?;
    let o = k.memfd(pid, &name)?;
    Ok(k.install_fd(pid, o, 0, flags & MFD_CLOEXEC != 0)? as i64)
}

/// `struct linux_dirent64` header size (ino, off, reclen, type).
const DIRENT_HEADER: usize = crate::abi::layout::DIRENT64_HEADER;

pub fn getdents64(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (fd, buf, count) = (c.i32(0), c.u32(1), c.u32(2) as usize);
    let o = ofd(k, c, fd)?;
    // The smallest record is 24 bytes; ask for as many as could fit.
    let entries = k.readdir_ofd(c.pid, o, count / 24 + 1)?;
    let mut out: Vec<u8> = Vec::new();
    let mut next = None;
    for (e, pos) in &entries {
        let reclen = (DIRENT_HEADER + e.name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > count {
            break;
        }
        out.extend_from_slice(&e.ino.to_le_bytes());
        out.extend_from_slice(&pos.to_le_bytes());
        out.extend_from_slice(&(reclen as u16).to_le_bytes());
        out.push(e.kind.dirent_type());
        out.extend_from_slice(&e.name);
        out.resize(out.len() + reclen - DIRENT_HEADER - e.name.len(), 0);
        next = Some(*pos);
    }
    if out.is_empty() && !entries.is_empty() {
        return Err(Errno::EINVAL.into());
    }
    c.write_bytes(buf, &out)?;
    if let Some(p) = next {
        k.files.get_mut(o).offset = p;
    }
    Ok(out.len() as i64)
}

/// Makes `(node, path)` the cwd after checking it is a searchable
/// directory.
fn set_cwd(k: &mut Kernel, pid: u32, kind: FileKind, p: Vec<u8>) -> SysResult {
    let FileKind::Node(n) = kind else { return Err(Errno::ENOTDIR.into()) };
    let st = k.stat_node(pid, n)?;
    if !is_dir(&st) {
        return Err(Errno::ENOTDIR.into());
    }
    let (uid, gid) = (k.proc(pid).euid, k.proc(pid).egid);
    if !permits(&st, uid, gid, X_OK) {
        return Err(Errno::EACCES.into());
    }
    let proc = k.proc_mut(pid);
    proc.cwd = n;
    proc.cwd_path = p;
    Ok(0)
}

pub fn chdir(k: &mut Kernel, c: &mut Call) -> SysResult {
    let p = c.path(0)?;
    let r = k.resolve_at(c.pid, AT_FDCWD, &p, 0)?;
    set_cwd(k, c.pid, r.kind, r.path)
}

pub fn fchdir(k: &mut Kernel, c: &mut Call) -> SysResult {
    let f = k.files.get(ofd(k, c, c.i32(0))?);
    let (kind, p) = (f.kind.clone(), f.path.clone());
    set_cwd(k, c.pid, kind, p)
}

pub fn getcwd(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (buf, size) = (c.u32(0), c.u32(1) as usize);
    let (cwd, mut p) = (k.proc(c.pid).cwd, k.proc(c.pid).cwd_path.clone());
    // A removed working directory has no path any more.
    match k.stat_node(c.pid, cwd) {
        Ok(st) if st.nlink > 0 => {}
        _ => return Err(Errno::ENOENT.into()),
    }
    p.push(0);
    if size < p.len() {
        return Err(Errno::ERANGE.into());
    }
    c.write_bytes(buf, &p)?;
    Ok(p.len() as i64)
}

/// There is one root for every process; changing it is refused once the
/// path checks out.
pub fn chroot(k: &mut Kernel, c: &mut Call) -> SysResult {
    let p = c.path(0)?;
    let r = k.resolve_at(c.pid, AT_FDCWD, &p, 0)?;
    let n = r.node().ok_or(Errno::ENOTDIR)?;
    if !is_dir(&k.stat_node(c.pid, n)?) {
        return Err(Errno::ENOTDIR.into());
    }
    Err(Errno::EPERM.into())
}

const TMPFS_MAGIC: u32 = 0x0102_1994;
const PROC_SUPER_MAGIC: u32 = 0x9fa0;
const DEVPTS_SUPER_MAGIC: u32 = 0x1cd1;
const PIPEFS_MAGIC: u32 = 0x5049_5045;
/// What host directories (and any other file system type) report: a
/// directory served from user space is what FUSE is on Linux.
const FUSE_SUPER_MAGIC: u32 = 0x6573_5546;
const ST_RDONLY: u32 = 1;
const ST_VALID: u32 = 0x20;
const ST_RELATIME: u32 = 0x1000;

/// `struct statfs` for ILP32 with 64-bit counts (musl `arch/generic`):
/// `f_type`, `f_bsize` (u32), `f_blocks`, `f_bfree`, `f_bavail`, `f_files`,
/// `f_ffree` (u64 at 8..48), `f_fsid` (2 × i32 at 48), `f_namelen`,
/// `f_frsize`, `f_flags` (u32 at 56, 60, 64), `f_spare[4]`, padded to 88.
/// The memory file systems have no fixed size: they report 4 GiB free.
fn encode_statfs(kind: u32, mount: u32, readonly: bool) -> [u8; 88] {
    let mut b = [0u8; 88];
    let put32 = |b: &mut [u8; 88], off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    let put64 = |b: &mut [u8; 88], off: usize, v: u64| b[off..off + 8].copy_from_slice(&v.to_le_bytes());
    put32(&mut b, 0, kind);
    put32(&mut b, 4, 4096);
    if kind != PROC_SUPER_MAGIC {
        for off in [8, 16, 24, 32, 40] {
            put64(&mut b, off, 1 << 20);
        }
    }
    put32(&mut b, 48, mount);
    put32(&mut b, 56, 255);
    put32(&mut b, 60, 4096);
    put32(&mut b, 64, ST_VALID | ST_RELATIME | if readonly { ST_RDONLY } else { 0 });
    b
}

fn statfs_of(k: &Kernel, kind: &FileKind) -> [u8; 88] {
    let n = match *kind {
        FileKind::Node(n) | FileKind::Device { node: Some(n), .. } => n,
        FileKind::Device { dev: crate::dev::Device::HostStream(s), node: None } => {
            let magic = match k.host.stream_kind(s) {
                StreamKind::Tty => DEVPTS_SUPER_MAGIC,
                StreamKind::Pipe => PIPEFS_MAGIC,
                _ => FUSE_SUPER_MAGIC,
            };
            return encode_statfs(magic, 0, false);
        }
        FileKind::Device { .. } => return encode_statfs(TMPFS_MAGIC, 0, false),
        FileKind::Pipe { .. } => return encode_statfs(PIPEFS_MAGIC, 0, false),
    };
    let m = k.vfs.get(n.mount);
    let magic = match m.fs.fs_type() {
        "tmpfs" | "devtmpfs" => TMPFS_MAGIC,
        "proc" => PROC_SUPER_MAGIC,
        _ => FUSE_SUPER_MAGIC,
    };
    encode_statfs(magic, n.mount as u32 + 1, m.readonly)
}

pub fn statfs(k: &mut Kernel, c: &mut Call) -> SysResult {
    let p = c.path(0)?;
    let r = k.resolve_at(c.pid, AT_FDCWD, &p, 0)?;
    let b = statfs_of(k, &r.kind);
    c.write_bytes(c.u32(1), &b)?;
    Ok(0)
}

pub fn fstatfs(k: &mut Kernel, c: &mut Call) -> SysResult {
    let kind = k.files.get(ofd(k, c, c.i32(0))?).kind.clone();
    let b = statfs_of(k, &kind);
    c.write_bytes(c.u32(1), &b)?;
    Ok(0)
}

const LOCK_SH: u32 = 1;
const LOCK_EX: u32 = 2;
const LOCK_NB: u32 = 4;
const LOCK_UN: u32 = 8;
const LOCK_MAND: u32 = 32;

/// Advisory locks cannot conflict while one process runs at a time per
/// file: every valid request is granted.
pub fn flock(k: &mut Kernel, c: &mut Call) -> SysResult {
    io_ofd(k, c, c.i32(0))?;
    let op = c.u32(1);
    if op & LOCK_MAND == 0 && !matches!(op & !LOCK_NB, LOCK_SH | LOCK_EX | LOCK_UN) {
        return Err(Errno::EINVAL.into());
    }
    Ok(0)
}

fn sync_fd(k: &mut Kernel, c: &Call) -> SysResult {
    let o = io_ofd(k, c, c.i32(0))?;
    match k.files.get(o).kind.clone() {
        FileKind::Node(n) => {
            k.vfs.get_mut(n.mount).fs.sync(n.ino)?;
            Ok(0)
        }
        FileKind::Device { dev: crate::dev::Device::HostStream(s), .. } if k.host.stream_kind(s) == StreamKind::File => Ok(0),
        FileKind::Device { .. } | FileKind::Pipe { .. } => Err(Errno::EINVAL.into()),
    }
}

pub fn fsync(k: &mut Kernel, c: &mut Call) -> SysResult {
    sync_fd(k, c)
}

pub fn fdatasync(k: &mut Kernel, c: &mut Call) -> SysResult {
    sync_fd(k, c)
}

/// Nothing is buffered between the kernel and its file systems.
pub fn sync(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

pub fn syncfs(k: &mut Kernel, c: &mut Call) -> SysResult {
    io_ofd(k, c, c.i32(0))?;
    Ok(0)
}

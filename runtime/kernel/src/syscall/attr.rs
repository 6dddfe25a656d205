//! Changing files: modes, owners, timestamps, sizes.

use alloc::vec;

use super::fs::{io_ofd, ofd};
use super::*;
use crate::abi::flags::*;
use crate::abi::layout::Timespec;
use crate::fd::FileKind;
use crate::vfs::path::is_dir;
use crate::vfs::{ops, NodeRef, SetAttr};
use crate::{fs_ctx, Kernel};

/// The node `kind` refers to; objects without one (host streams) cannot
/// have their attributes changed.
fn node_of(kind: &FileKind) -> Result<NodeRef, Errno> {
    match *kind {
        FileKind::Node(n) | FileKind::Device { node: Some(n), .. } | FileKind::Pipe { node: Some(n), .. } => Ok(n),
        FileKind::Device { .. } | FileKind::Pipe { .. } => Err(Errno::EPERM),
    }
}

fn apply(k: &mut Kernel, pid: u32, n: NodeRef, attr: &SetAttr) -> SysResult {
    fs_ctx!(k, pid, snap, cx);
    ops::setattr(&mut k.vfs, &cx, n, attr)?;
    Ok(0)
}

fn chmod(k: &mut Kernel, pid: u32, kind: &FileKind, mode: u32) -> SysResult {
    apply(k, pid, node_of(kind)?, &SetAttr { mode: Some(mode & 0o7777), ..Default::default() })
}

pub fn fchmodat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let p = c.path(1)?;
    let r = k.resolve_at(c.pid, c.i32(0), &p, 0)?;
    chmod(k, c.pid, &r.kind, c.u32(2))
}

pub fn fchmod(k: &mut Kernel, c: &mut Call) -> SysResult {
    let kind = k.files.get(io_ofd(k, c, c.i32(0))?).kind.clone();
    chmod(k, c.pid, &kind, c.u32(1))
}

/// `-1` leaves an id alone. Changing either clears set-user-ID, and
/// set-group-ID on group-executable files, as Linux does even for root.
fn chown(k: &mut Kernel, pid: u32, kind: &FileKind, uid: u32, gid: u32) -> SysResult {
    let n = node_of(kind)?;
    let uid = (uid != u32::MAX).then_some(uid);
    let gid = (gid != u32::MAX).then_some(gid);
    let mut attr = SetAttr { uid, gid, ..Default::default() };
    let st = k.stat_node(pid, n)?;
    if (uid.is_some() || gid.is_some()) && !is_dir(&st) && st.mode & 0o6000 != 0 {
        let mut mode = st.mode & 0o7777 & !0o4000;
        if st.mode & 0o010 != 0 {
            mode &= !0o2000;
        }
        attr.mode = Some(mode);
    }
    apply(k, pid, n, &attr)
}

pub fn fchownat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let flags = c.u32(4);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let p = super::fs::path_or_empty(c, 1, flags)?;
    let r = k.resolve_at(c.pid, c.i32(0), &p, flags)?;
    chown(k, c.pid, &r.kind, c.u32(2), c.u32(3))
}

pub fn fchown(k: &mut Kernel, c: &mut Call) -> SysResult {
    let kind = k.files.get(io_ofd(k, c, c.i32(0))?).kind.clone();
    chown(k, c.pid, &kind, c.u32(1), c.u32(2))
}

/// One `utimensat` time: `None` for `UTIME_OMIT`.
fn time_arg(c: &Call, addr: u32, now: Timespec) -> Result<Option<Timespec>, Errno> {
    let mut b = [0u8; 16];
    c.mem.read(addr, &mut b)?;
    let sec = i64::from_le_bytes(b[0..8].try_into().unwrap());
    let nsec = u32::from_le_bytes(b[8..12].try_into().unwrap());
    match nsec {
        UTIME_OMIT => Ok(None),
        UTIME_NOW => Ok(Some(now)),
        n if n < 1_000_000_000 => Ok(Some(Timespec { sec, nsec: n })),
        _ => Err(Errno::EINVAL),
    }
}

pub fn utimensat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (dirfd, times, flags) = (c.i32(0), c.u32(2), c.u32(3));
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let now = Timespec::from_nanos(k.host.realtime_ns());
    let (atime, mtime, explicit) = if times == 0 {
        (Some(now), Some(now), false)
    } else {
        let (a, m) = (time_arg(c, times, now)?, time_arg(c, times + 16, now)?);
        let nsec_of = |addr: u32| c.read_u32(addr + 8);
        let both_now = nsec_of(times)? == UTIME_NOW && nsec_of(times + 16)? == UTIME_NOW;
        (a, m, !both_now)
    };
    // A NULL path means the descriptor itself (futimens).
    let kind = if c.u32(1) == 0 {
        if dirfd == AT_FDCWD {
            return Err(Errno::EFAULT.into());
        }
        if flags & AT_SYMLINK_NOFOLLOW != 0 {
            return Err(Errno::EINVAL.into());
        }
        k.files.get(ofd(k, c, dirfd)?).kind.clone()
    } else {
        let p = super::fs::path_or_empty(c, 1, flags)?;
        k.resolve_at(c.pid, dirfd, &p, flags)?.kind
    };
    let n = node_of(&kind)?;
    if atime.is_none() && mtime.is_none() {
        return Ok(0);
    }
    let pid = c.pid;
    fs_ctx!(k, pid, snap, cx);
    ops::set_times(&mut k.vfs, &cx, n, &SetAttr { atime, mtime, ..Default::default() }, explicit)?;
    Ok(0)
}

pub fn truncate(k: &mut Kernel, c: &mut Call) -> SysResult {
    let len = c.u64(1) as i64;
    if len < 0 {
        return Err(Errno::EINVAL.into());
    }
    let p = c.path(0)?;
    let pid = c.pid;
    let n = node_of(&k.resolve_at(pid, AT_FDCWD, &p, 0)?.kind).map_err(|_| Errno::EINVAL)?;
    let st = k.stat_node(pid, n)?;
    match st.mode & S_IFMT {
        S_IFDIR => return Err(Errno::EISDIR.into()),
        S_IFREG => {}
        _ => return Err(Errno::EINVAL.into()),
    }
    fs_ctx!(k, pid, snap, cx);
    ops::writable(&k.vfs, n)?;
    if !crate::vfs::path::permits(&st, cx.uid, cx.gid, W_OK) {
        return Err(Errno::EACCES.into());
    }
    k.vfs.get_mut(n.mount).fs.setattr(&cx, n.ino, &SetAttr { size: Some(len as u64), ..Default::default() })?;
    Ok(0)
}

/// A regular file open for writing, for `ftruncate` (`EINVAL` otherwise)
/// and `fallocate`.
fn writable_file(k: &mut Kernel, c: &Call, not_writable: Errno) -> Result<NodeRef, Errno> {
    let f = k.files.get(io_ofd(k, c, c.i32(0))?);
    if !f.writable() {
        return Err(not_writable);
    }
    match f.kind {
        FileKind::Node(n) => Ok(n),
        FileKind::Device { .. } | FileKind::Pipe { .. } => Err(Errno::EINVAL),
    }
}

pub fn ftruncate(k: &mut Kernel, c: &mut Call) -> SysResult {
    let len = c.u64(1) as i64;
    if len < 0 {
        return Err(Errno::EINVAL.into());
    }
    let n = writable_file(k, c, Errno::EINVAL)?;
    let pid = c.pid;
    if k.stat_node(pid, n)?.mode & S_IFMT != S_IFREG {
        return Err(Errno::EINVAL.into());
    }
    fs_ctx!(k, pid, snap, cx);
    k.vfs.get_mut(n.mount).fs.setattr(&cx, n.ino, &SetAttr { size: Some(len as u64), ..Default::default() })?;
    Ok(0)
}

const FALLOC_FL_KEEP_SIZE: u32 = 1;
const FALLOC_FL_PUNCH_HOLE: u32 = 2;
const FALLOC_FL_ZERO_RANGE: u32 = 0x10;

/// `fallocate`: memory file systems have nothing to reserve, so
/// allocating only extends the size (unless `KEEP_SIZE`); punching holes
/// and zeroing ranges write zeros over the part inside the file.
pub fn fallocate(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (mode, off, len) = (c.u32(1), c.u64(2) as i64, c.u64(4) as i64);
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let supported = matches!(mode, 0 | FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE)
        || mode == FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
        || mode == FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
    if !supported {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let n = match writable_file(k, c, Errno::EBADF) {
        Err(Errno::EINVAL) => return Err(Errno::ENODEV.into()),
        r => r?,
    };
    let pid = c.pid;
    let st = k.stat_node(pid, n)?;
    match st.mode & S_IFMT {
        S_IFDIR => return Err(Errno::EISDIR.into()),
        S_IFREG => {}
        _ => return Err(Errno::ENODEV.into()),
    }
    let end = off.checked_add(len).ok_or(Errno::EFBIG)? as u64;
    let size = st.size as u64;
    fs_ctx!(k, pid, snap, cx);
    let fs = &mut k.vfs.get_mut(n.mount).fs;
    if mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE) != 0 {
        let zeros = vec![0u8; 64 * 1024];
        let mut pos = off as u64;
        while pos < end.min(size) {
            let chunk = ((end.min(size) - pos) as usize).min(zeros.len());
            pos += fs.write(&cx, n.ino, pos, &zeros[..chunk])? as u64;
        }
    }
    if mode & (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE) == 0 && end > size {
        fs.setattr(&cx, n.ino, &SetAttr { size: Some(end), ..Default::default() })?;
    }
    Ok(0)
}

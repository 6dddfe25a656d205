//! Looking at files: `newfstatat`, `fstat`, `statx`, `readlinkat`,
//! `faccessat`.

use super::fs::{ofd, path_or_empty};
use super::*;
use crate::abi::flags::*;
use crate::abi::layout::Stat;
use crate::fd::FileKind;
use crate::vfs::ops;
use crate::{fs_ctx, Kernel};

/// `statx` mask bits (`STATX_BASIC_STATS`, `STATX_MNT_ID`) and flags.
const STATX_BASIC_STATS: u32 = 0x7ff;
const STATX_MNT_ID: u32 = 0x1000;
const STATX_RESERVED: u32 = 0x8000_0000;
const AT_STATX_SYNC_TYPE: u32 = 0x6000;
/// `sizeof(struct statx)`.
const STATX_SIZE: usize = 256;

fn stat_at(k: &mut Kernel, c: &Call, dirfd: i32, path_arg: usize, flags: u32) -> Result<(Stat, FileKind), Errno> {
    let p = path_or_empty(c, path_arg, flags)?;
    let r = k.resolve_at(c.pid, dirfd, &p, flags)?;
    Ok((k.stat_kind(c.pid, &r.kind)?, r.kind))
}

pub fn newfstatat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let flags = c.u32(3);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let (st, _) = stat_at(k, c, c.i32(0), 1, flags)?;
    c.write_bytes(c.u32(2), &st.encode())?;
    Ok(0)
}

pub fn fstat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let kind = k.files.get(ofd(k, c, c.i32(0))?).kind.clone();
    let st = k.stat_kind(c.pid, &kind)?;
    c.write_bytes(c.u32(1), &st.encode())?;
    Ok(0)
}

fn split_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff);
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
    (major as u32, minor as u32)
}

/// `struct statx` (Linux `include/uapi/linux/stat.h`).
fn encode_statx(st: &Stat, mnt_id: u64) -> [u8; STATX_SIZE] {
    let mut b = [0u8; STATX_SIZE];
    let mut put = |off: usize, v: &[u8]| b[off..off + v.len()].copy_from_slice(v);
    put(0, &(STATX_BASIC_STATS | STATX_MNT_ID).to_le_bytes());
    put(4, &(st.blksize as u32).to_le_bytes());
    put(16, &st.nlink.to_le_bytes());
    put(20, &st.uid.to_le_bytes());
    put(24, &st.gid.to_le_bytes());
    put(28, &(st.mode as u16).to_le_bytes());
    put(32, &st.ino.to_le_bytes());
    put(40, &st.size.to_le_bytes());
    put(48, &st.blocks.to_le_bytes());
    for (off, t) in [(64, st.atime), (96, st.ctime), (112, st.mtime)] {
        put(off, &t.sec.to_le_bytes());
        put(off + 8, &t.nsec.to_le_bytes());
    }
    let (rmaj, rmin) = split_dev(st.rdev);
    let (dmaj, dmin) = split_dev(st.dev);
    for (off, v) in [(128, rmaj), (132, rmin), (136, dmaj), (140, dmin)] {
        put(off, &v.to_le_bytes());
    }
    put(144, &mnt_id.to_le_bytes());
    b
}

pub fn statx(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (flags, mask) = (c.u32(2), c.u32(3));
    let allowed = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE;
    if flags & !allowed != 0 || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE || mask & STATX_RESERVED != 0 {
        return Err(Errno::EINVAL.into());
    }
    let (st, kind) = stat_at(k, c, c.i32(0), 1, flags)?;
    let mnt = match kind {
        FileKind::Node(n) | FileKind::Device { node: Some(n), .. } => n.mount as u64 + 1,
        FileKind::Device { .. } | FileKind::Pipe { .. } => 0,
    };
    c.write_bytes(c.u32(4), &encode_statx(&st, mnt))?;
    Ok(0)
}

pub fn readlinkat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (dirfd, buf, size) = (c.i32(0), c.u32(2), c.i32(3));
    if size <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let p = c.path(1)?;
    let pid = c.pid;
    // An empty path reads the symlink `dirfd` itself refers to (O_PATH).
    let r = if p.is_empty() && dirfd != AT_FDCWD {
        k.resolve_at(pid, dirfd, &p, AT_EMPTY_PATH)?
    } else {
        k.resolve_at(pid, dirfd, &p, AT_SYMLINK_NOFOLLOW)?
    };
    let target = {
        fs_ctx!(k, pid, snap, cx);
        match ops::readlink_node(&mut k.vfs, &cx, &r) {
            Err(Errno::EINVAL) if p.is_empty() => Err(Errno::ENOENT),
            res => res,
        }?
    };
    let n = target.len().min(size as usize);
    c.write_bytes(buf, &target[..n])?;
    Ok(n as i64)
}

fn access(k: &mut Kernel, c: &Call, mode: u32, flags: u32) -> SysResult {
    if mode & !(R_OK | W_OK | X_OK) != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let p = path_or_empty(c, 1, flags)?;
    let r = k.resolve_at(c.pid, c.i32(0), &p, flags)?;
    // Objects without a node (host streams) are always accessible.
    let Some(n) = r.node() else { return Ok(0) };
    let pid = c.pid;
    fs_ctx!(k, pid, snap, cx);
    ops::access(&mut k.vfs, &cx, n, mode)?;
    Ok(0)
}

pub fn faccessat(k: &mut Kernel, c: &mut Call) -> SysResult {
    access(k, c, c.u32(2), 0)
}

pub fn faccessat2(k: &mut Kernel, c: &mut Call) -> SysResult {
    access(k, c, c.u32(2), c.u32(3))
}

//! Names in directories: `mkdirat`, `mknodat`, `unlinkat`, `renameat2`,
//! `linkat`, `symlinkat`.

use super::*;
use crate::abi::flags::*;
use crate::dev::makedev;
use crate::fd::FileKind;
use crate::vfs::ops;
use crate::{fs_ctx, Kernel};

pub fn mkdirat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (dirfd, mode) = (c.i32(0), c.u32(2));
    let p = c.path(1)?;
    let pid = c.pid;
    let start = k.at_start(pid, dirfd, &p)?;
    let perm = mode & 0o1777 & !k.proc(pid).umask;
    fs_ctx!(k, pid, snap, cx);
    ops::create(&mut k.vfs, &cx, &start, &p, crate::vfs::NewNode::Dir, perm)?;
    Ok(0)
}

/// Linux's 32-bit `dev_t` encoding (`new_decode_dev`), which musl passes.
fn decode_dev(dev: u32) -> u64 {
    makedev((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00))
}

pub fn mknodat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (dirfd, mode, dev) = (c.i32(0), c.u32(2), c.u32(3));
    let p = c.path(1)?;
    let pid = c.pid;
    let start = k.at_start(pid, dirfd, &p)?;
    let mode = (mode & S_IFMT) | (mode & 0o7777 & !k.proc(pid).umask);
    fs_ctx!(k, pid, snap, cx);
    ops::mknod(&mut k.vfs, &cx, &start, &p, mode, decode_dev(dev))?;
    Ok(0)
}

pub fn unlinkat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (dirfd, flags) = (c.i32(0), c.u32(2));
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL.into());
    }
    let p = c.path(1)?;
    let pid = c.pid;
    let start = k.at_start(pid, dirfd, &p)?;
    fs_ctx!(k, pid, snap, cx);
    if flags & AT_REMOVEDIR != 0 {
        ops::rmdir(&mut k.vfs, &cx, &start, &p)?;
    } else {
        ops::unlink(&mut k.vfs, &cx, &start, &p)?;
    }
    Ok(0)
}

fn rename(k: &mut Kernel, c: &Call, flags: u32) -> SysResult {
    let (from, to) = (c.path(1)?, c.path(3)?);
    let pid = c.pid;
    let from_start = k.at_start(pid, c.i32(0), &from)?;
    let to_start = k.at_start(pid, c.i32(2), &to)?;
    fs_ctx!(k, pid, snap, cx);
    ops::rename(&mut k.vfs, &cx, (&from_start, &from), (&to_start, &to), flags)?;
    Ok(0)
}

pub fn renameat(k: &mut Kernel, c: &mut Call) -> SysResult {
    rename(k, c, 0)
}

pub fn renameat2(k: &mut Kernel, c: &mut Call) -> SysResult {
    rename(k, c, c.u32(4))
}

pub fn linkat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let flags = c.u32(4);
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let from = super::fs::path_or_empty(c, 1, flags)?;
    let to = c.path(3)?;
    let pid = c.pid;
    let nofollow = if flags & AT_SYMLINK_FOLLOW != 0 { 0 } else { AT_SYMLINK_NOFOLLOW };
    let r = k.resolve_at(pid, c.i32(0), &from, nofollow | (flags & AT_EMPTY_PATH))?;
    let node = match r.kind {
        FileKind::Node(n) | FileKind::Device { node: Some(n), .. } | FileKind::Pipe { node: Some(n), .. } => n,
        FileKind::Device { .. } | FileKind::Pipe { .. } => return Err(Errno::EXDEV.into()),
    };
    let to_start = k.at_start(pid, c.i32(2), &to)?;
    fs_ctx!(k, pid, snap, cx);
    ops::link(&mut k.vfs, &cx, node, (&to_start, &to))?;
    Ok(0)
}

pub fn symlinkat(k: &mut Kernel, c: &mut Call) -> SysResult {
    let target = c.path(0)?;
    let p = c.path(2)?;
    let pid = c.pid;
    let start = k.at_start(pid, c.i32(1), &p)?;
    fs_ctx!(k, pid, snap, cx);
    ops::symlink(&mut k.vfs, &cx, &target, &start, &p)?;
    Ok(0)
}

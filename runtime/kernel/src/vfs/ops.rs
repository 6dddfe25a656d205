//! Namespace operations over paths: the VFS half of `mkdirat`, `mknodat`,
//! `unlinkat`, `renameat2`, `linkat`, `symlinkat`, `readlinkat` and the
//! attribute calls. They resolve with [`super::path`], apply the checks
//! Linux makes in the order it makes them (so the same call fails with the
//! same errno), refuse modifications on read-only mounts with `EROFS`, and
//! call the file system.

use alloc::vec::Vec;

use super::path::{self, is_dir, lookup_entry, permits, Last, Loc, Parent, Resolved};
use super::{FsCtx, MountTable, NewNode, NodeRef, SetAttr};
use crate::abi::flags::*;
use crate::abi::layout::Stat;
use crate::fd::FileKind;
use crate::{Errno, KResult};

/// `EROFS` when `n` lives on a read-only mount.
pub fn writable(vfs: &MountTable, n: NodeRef) -> KResult<()> {
    if vfs.get(n.mount).readonly {
        return Err(Errno::EROFS);
    }
    Ok(())
}

/// Adding or removing entries in `dir` needs write and search permission.
fn may_change_dir(vfs: &mut MountTable, cx: &FsCtx, dir: &Loc) -> KResult<()> {
    if cx.uid == 0 {
        return Ok(());
    }
    let st = path::stat(vfs, cx, dir.node)?;
    if !permits(&st, cx.uid, cx.gid, W_OK | X_OK) {
        return Err(Errno::EACCES);
    }
    Ok(())
}

/// Removing `victim` from a sticky directory needs owning one of them.
fn sticky_ok(vfs: &mut MountTable, cx: &FsCtx, dir: &Loc, victim: &Stat) -> KResult<()> {
    if cx.uid == 0 {
        return Ok(());
    }
    let st = path::stat(vfs, cx, dir.node)?;
    if st.mode & 0o1000 != 0 && st.uid != cx.uid && victim.uid != cx.uid {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// Resolves the parent of a new entry and checks that it can be created:
/// `EEXIST` if anything (even a dangling symlink) has the name, `ENOENT`
/// for `name/` unless creating a directory, then `EROFS`.
pub fn prepare_create(vfs: &mut MountTable, cx: &FsCtx, start: &Loc, p: &[u8], dir: bool) -> KResult<(Parent, Vec<u8>)> {
    let parent = path::parent(vfs, cx, start, p)?;
    let name = parent.name(Errno::EEXIST)?.to_vec();
    match lookup_entry(vfs, cx, &parent.dir, &name) {
        Ok(_) => return Err(Errno::EEXIST),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(e),
    }
    if parent.trailing_slash && !dir {
        return Err(Errno::ENOENT);
    }
    writable(vfs, parent.dir.node)?;
    may_change_dir(vfs, cx, &parent.dir)?;
    Ok((parent, name))
}

/// Creates a node at `p`; returns it with its absolute path.
pub fn create(vfs: &mut MountTable, cx: &FsCtx, start: &Loc, p: &[u8], node: NewNode, perm: u32) -> KResult<(NodeRef, Vec<u8>)> {
    let (parent, _) = prepare_create(vfs, cx, start, p, matches!(node, NewNode::Dir))?;
    create_in(vfs, cx, &parent, node, perm)
}

/// Creates the last component of `parent` (found missing by a walk).
pub fn create_in(vfs: &mut MountTable, cx: &FsCtx, parent: &Parent, node: NewNode, perm: u32) -> KResult<(NodeRef, Vec<u8>)> {
    let name = parent.name(Errno::EEXIST)?;
    writable(vfs, parent.dir.node)?;
    may_change_dir(vfs, cx, &parent.dir)?;
    let d = parent.dir.node;
    let ino = vfs.get_mut(d.mount).fs.create(cx, d.ino, name, node, perm)?;
    Ok((NodeRef { mount: d.mount, ino }, parent.child_path()))
}

/// `mknodat`: the node type comes from `mode`'s type bits.
pub fn mknod(vfs: &mut MountTable, cx: &FsCtx, start: &Loc, p: &[u8], mode: u32, rdev: u64) -> KResult<()> {
    let node = match mode & S_IFMT {
        0 | S_IFREG => NewNode::File,
        S_IFCHR => NewNode::CharDev(rdev),
        S_IFIFO => NewNode::Fifo,
        // Block devices and socket nodes have no NewNode: refused as a
        // file system without them would.
        S_IFBLK | S_IFSOCK | S_IFDIR => return Err(Errno::EPERM),
        _ => return Err(Errno::EINVAL),
    };
    if matches!(node, NewNode::CharDev(_)) && cx.uid != 0 {
        return Err(Errno::EPERM);
    }
    create(vfs, cx, start, p, node, mode & 0o7777).map(|_| ())
}

/// `unlinkat` without `AT_REMOVEDIR`.
pub fn unlink(vfs: &mut MountTable, cx: &FsCtx, start: &Loc, p: &[u8]) -> KResult<()> {
    let parent = path::parent(vfs, cx, start, p)?;
    let name = parent.name(Errno::EISDIR)?.to_vec();
    writable(vfs, parent.dir.node)?;
    let (_, st) = lookup_entry(vfs, cx, &parent.dir, &name)?;
    if is_dir(&st) {
        return Err(Errno::EISDIR);
    }
    if parent.trailing_slash {
        return Err(Errno::ENOTDIR);
    }
    may_change_dir(vfs, cx, &parent.dir)?;
    sticky_ok(vfs, cx, &parent.dir, &st)?;
    let d = parent.dir.node;
    vfs.get_mut(d.mount).fs.unlink(cx, d.ino, &name)
}

/// `unlinkat` with `AT_REMOVEDIR`.
pub fn rmdir(vfs: &mut MountTable, cx: &FsCtx, start: &Loc, p: &[u8]) -> KResult<()> {
    let parent = path::parent(vfs, cx, start, p)?;
    let name = match &parent.last {
        Last::Name(n) => n.clone(),
        Last::Dot => return Err(Errno::EINVAL),
        Last::DotDot => return Err(Errno::ENOTEMPTY),
        Last::Root => return Err(Errno::EBUSY),
    };
    writable(vfs, parent.dir.node)?;
    let (n, st) = lookup_entry(vfs, cx, &parent.dir, &name)?;
    if !is_dir(&st) {
        return Err(Errno::ENOTDIR);
    }
    if vfs.mounted_on(n).is_some() {
        return Err(Errno::EBUSY);
    }
    may_change_dir(vfs, cx, &parent.dir)?;
    sticky_ok(vfs, cx, &parent.dir, &st)?;
    let d = parent.dir.node;
    vfs.get_mut(d.mount).fs.rmdir(cx, d.ino, &name)
}

/// `renameat2`.
pub fn rename(vfs: &mut MountTable, cx: &FsCtx, from: (&Loc, &[u8]), to: (&Loc, &[u8]), flags: u32) -> KResult<()> {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE) != 0 || flags == RENAME_NOREPLACE | RENAME_EXCHANGE {
        return Err(Errno::EINVAL);
    }
    let pf = path::parent(vfs, cx, from.0, from.1)?;
    let pt = path::parent(vfs, cx, to.0, to.1)?;
    if pf.dir.node.mount != pt.dir.node.mount {
        return Err(Errno::EXDEV);
    }
    let f = pf.name(Errno::EBUSY)?.to_vec();
    let t = pt.name(Errno::EBUSY)?.to_vec();
    writable(vfs, pf.dir.node)?;
    let (sn, sst) = lookup_entry(vfs, cx, &pf.dir, &f)?;
    let target = match lookup_entry(vfs, cx, &pt.dir, &t) {
        Ok(x) => Some(x),
        Err(Errno::ENOENT) if flags & RENAME_EXCHANGE == 0 => None,
        Err(e) => return Err(e),
    };
    let target_dir = target.as_ref().is_some_and(|(_, st)| is_dir(st));
    if (pf.trailing_slash || pt.trailing_slash) && !is_dir(&sst) && !(flags & RENAME_EXCHANGE != 0 && target_dir) {
        return Err(Errno::ENOTDIR);
    }
    if vfs.mounted_on(sn).is_some() || target.as_ref().is_some_and(|(n, _)| vfs.mounted_on(*n).is_some()) {
        return Err(Errno::EBUSY);
    }
    may_change_dir(vfs, cx, &pf.dir)?;
    may_change_dir(vfs, cx, &pt.dir)?;
    sticky_ok(vfs, cx, &pf.dir, &sst)?;
    if let Some((_, tst)) = &target {
        sticky_ok(vfs, cx, &pt.dir, tst)?;
    }
    let (fdir, tdir) = (pf.dir.node, pt.dir.node);
    vfs.get_mut(fdir.mount).fs.rename(cx, fdir.ino, &f, tdir.ino, &t, flags)
}

/// `linkat`: a new name `to` for the node `node`.
pub fn link(vfs: &mut MountTable, cx: &FsCtx, node: NodeRef, to: (&Loc, &[u8])) -> KResult<()> {
    let (parent, name) = prepare_create(vfs, cx, to.0, to.1, false)?;
    let d = parent.dir.node;
    if d.mount != node.mount {
        return Err(Errno::EXDEV);
    }
    if is_dir(&path::stat(vfs, cx, node)?) {
        return Err(Errno::EPERM);
    }
    vfs.get_mut(d.mount).fs.link(cx, node.ino, d.ino, &name)
}

/// `symlinkat`.
pub fn symlink(vfs: &mut MountTable, cx: &FsCtx, target: &[u8], start: &Loc, p: &[u8]) -> KResult<()> {
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    create(vfs, cx, start, p, NewNode::Symlink(target), 0o777).map(|_| ())
}

/// `readlinkat`: the text of the symlink `p` names (`EINVAL` if it is not
/// one).
pub fn readlink(vfs: &mut MountTable, cx: &FsCtx, start: &Loc, p: &[u8]) -> KResult<Vec<u8>> {
    let r = path::resolve(vfs, cx, start, p, false)?;
    readlink_node(vfs, cx, &r)
}

/// The text of the symlink `r`, if it is one.
pub fn readlink_node(vfs: &mut MountTable, cx: &FsCtx, r: &Resolved) -> KResult<Vec<u8>> {
    match r.kind {
        FileKind::Node(n) => vfs.get_mut(n.mount).fs.readlink(cx, n.ino),
        FileKind::Device { .. } | FileKind::Pipe { .. } => Err(Errno::EINVAL),
    }
}

/// What changing attributes needs: a writable mount, and for a non-root
/// caller, owning the node (`chmod`, explicit times) or nothing at all
/// (`chown` is root's).
pub fn setattr(vfs: &mut MountTable, cx: &FsCtx, n: NodeRef, attr: &SetAttr) -> KResult<()> {
    writable(vfs, n)?;
    if cx.uid != 0 {
        let st = path::stat(vfs, cx, n)?;
        let chown = attr.uid.is_some_and(|u| u != st.uid) || attr.gid.is_some_and(|g| g != st.gid && g != cx.gid);
        let owner_only = attr.mode.is_some() || attr.uid.is_some() || attr.gid.is_some();
        if chown || (owner_only && st.uid != cx.uid) {
            return Err(Errno::EPERM);
        }
    }
    vfs.get_mut(n.mount).fs.setattr(cx, n.ino, attr)
}

/// `utimensat` with times the caller chose (`UTIME_NOW` for both counts as
/// "now", allowed to anyone who may write the file).
pub fn set_times(vfs: &mut MountTable, cx: &FsCtx, n: NodeRef, attr: &SetAttr, explicit: bool) -> KResult<()> {
    writable(vfs, n)?;
    if cx.uid != 0 {
        let st = path::stat(vfs, cx, n)?;
        if st.uid != cx.uid && (explicit || !permits(&st, cx.uid, cx.gid, W_OK)) {
            return Err(if explicit { Errno::EPERM } else { Errno::EACCES });
        }
    }
    vfs.get_mut(n.mount).fs.setattr(cx, n.ino, attr)
}

/// `faccessat2` on a resolved node: `EROFS` for `W_OK` on a read-only
/// mount (except for device nodes), `EACCES` when the bits say no.
pub fn access(vfs: &mut MountTable, cx: &FsCtx, n: NodeRef, mode: u32) -> KResult<()> {
    let st = path::stat(vfs, cx, n)?;
    if mode & W_OK != 0 && vfs.get(n.mount).readonly && !matches!(st.mode & S_IFMT, S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK) {
        return Err(Errno::EROFS);
    }
    if !permits(&st, cx.uid, cx.gid, mode) {
        return Err(Errno::EACCES);
    }
    Ok(())
}

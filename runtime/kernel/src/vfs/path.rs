//! Path resolution: from a start directory, one component at a time.
//!
//! The walker keeps a stack of components still to visit. A symlink pushes
//! its target's components (an absolute target restarts at `/`); a magic
//! link (`/proc/PID/fd/N`, `/proc/PID/cwd`) jumps to the object the kernel
//! holds. `..` at a mount's root first leaves the mount to the directory it
//! covers, and `..` at `/` stays at `/`: nothing can lead outside a mount's
//! root or outside `/`, whatever file system is mounted. Every position is
//! kept with the absolute path that reached it, which becomes
//! `OpenFile::path`, the cwd path and what `/proc/PID/fd` shows.
//!
//! Entry points: [`resolve`] (the object a path names), [`walk`] (the same,
//! or the parent directory when only the last component is missing, for
//! `O_CREAT`), [`parent`] (the directory and last name, for calls that
//! create or remove an entry), and [`root`].

use alloc::vec;
use alloc::vec::Vec;

use super::{FsCtx, MountTable, NewNode, NodeRef};
use crate::abi::flags::*;
use crate::abi::layout::Stat;
use crate::fd::FileKind;
use crate::{Errno, KResult};

/// Longest component (Linux `NAME_MAX`).
pub const NAME_MAX: usize = 255;
/// Symlinks followed in one resolution before `ELOOP` (Linux `MAXSYMLINKS`).
pub const MAX_SYMLINKS: u32 = 40;

/// A directory position: the node and the absolute path that reached it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    pub node: NodeRef,
    pub path: Vec<u8>,
}

/// What a path named: a node, or (through a magic link) an object such as
/// a host stream; with its absolute path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub kind: FileKind,
    pub path: Vec<u8>,
}

impl Resolved {
    /// The node, when the object has one.
    pub fn node(&self) -> Option<NodeRef> {
        match &self.kind {
            FileKind::Node(n) => Some(*n),
            FileKind::Device { node, .. } => *node,
            FileKind::Pipe { node, .. } => *node,
        }
    }
}

/// The last component of a path, as [`parent`] classifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Last {
    Name(Vec<u8>),
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// The path is `/` (or only slashes).
    Root,
}

/// A directory and the last component of a path inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parent {
    pub dir: Loc,
    pub last: Last,
    /// The path ended with `/`.
    pub trailing_slash: bool,
}

impl Parent {
    /// The last component when it is a plain name; `Dot`, `DotDot` and
    /// `Root` are answered with `err`.
    pub fn name(&self, err: Errno) -> KResult<&[u8]> {
        match &self.last {
            Last::Name(n) => Ok(n),
            _ => Err(err),
        }
    }
    /// The absolute path of the entry named by the last component.
    pub fn child_path(&self) -> Vec<u8> {
        match &self.last {
            Last::Name(n) => join(&self.dir.path, n),
            _ => self.dir.path.clone(),
        }
    }
}

/// The result of [`walk`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(Resolved),
    /// Everything but the last component exists; the last does not.
    Missing(Parent),
}

/// Attributes of `n` with `st_dev` filled from its mount.
pub fn stat(vfs: &mut MountTable, cx: &FsCtx, n: NodeRef) -> KResult<Stat> {
    let mut st = vfs.get_mut(n.mount).fs.stat(cx, n.ino)?;
    st.dev = dev_of(n.mount);
    Ok(st)
}

/// The `st_dev` of every node of mount `m`: major 0 like tmpfs and procfs.
pub fn dev_of(m: usize) -> u64 {
    crate::dev::makedev(0, m as u32 + 1)
}

pub fn is_dir(st: &Stat) -> bool {
    st.mode & S_IFMT == S_IFDIR
}

fn is_symlink(st: &Stat) -> bool {
    st.mode & S_IFMT == S_IFLNK
}

/// Whether `uid`/`gid` may access a node with attributes `st` for `mask`
/// (`R_OK | W_OK | X_OK`). Root may do anything except execute a file with
/// no execute bit.
pub fn permits(st: &Stat, uid: u32, gid: u32, mask: u32) -> bool {
    if uid == 0 {
        return mask & X_OK == 0 || is_dir(st) || st.mode & 0o111 != 0;
    }
    let bits = if st.uid == uid {
        st.mode >> 6
    } else if st.gid == gid {
        st.mode >> 3
    } else {
        st.mode
    } & 7;
    bits & mask == mask
}

/// Joins a directory path and a name.
pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = dir.to_vec();
    if !p.ends_with(b"/") {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// Lexically normalises a path into an absolute one: collapses `//` and
/// `.`, applies `..` (never above `/`), drops a trailing `/`.
pub fn normalize(path: &[u8]) -> Vec<u8> {
    let mut out: Vec<&[u8]> = Vec::new();
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    let mut p = Vec::with_capacity(path.len() + 1);
    for c in &out {
        p.push(b'/');
        p.extend_from_slice(c);
    }
    if p.is_empty() {
        p.push(b'/');
    }
    p
}

/// The node itself, or the root of what is mounted on it.
pub fn enter_mounts(vfs: &MountTable, mut n: NodeRef) -> NodeRef {
    while let Some(m) = vfs.mounted_on(n) {
        n = vfs.mount_root(m);
    }
    n
}

/// `/`, past any mount on the root file system's root.
pub fn root(vfs: &MountTable) -> Loc {
    Loc { node: enter_mounts(vfs, vfs.root()), path: b"/".to_vec() }
}

/// Resolves `path` from `start` (ignored for absolute paths). `follow`
/// decides whether a symlink in the last component is followed (a trailing
/// slash always follows). An empty path is `ENOENT`.
pub fn resolve(vfs: &mut MountTable, cx: &FsCtx, start: &Loc, path: &[u8], follow: bool) -> KResult<Resolved> {
    match walk(vfs, cx, start, path, follow)? {
        Lookup::Found(r) => Ok(r),
        Lookup::Missing(_) => Err(Errno::ENOENT),
    }
}

/// Like [`resolve`], but when only the last component is missing returns
/// its parent directory (following a dangling last symlink when `follow`,
/// so `open(link, O_CREAT)` creates the link's target, as on Linux).
pub fn walk(vfs: &mut MountTable, cx: &FsCtx, start: &Loc, path: &[u8], follow: bool) -> KResult<Lookup> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    Walker { vfs, cx, links: 0 }.run(start, path, follow)
}

/// Resolves all but the last component of `path` (following symlinks) to a
/// directory, and classifies the last one. The last component is not
/// looked up.
pub fn parent(vfs: &mut MountTable, cx: &FsCtx, start: &Loc, path: &[u8]) -> KResult<Parent> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let trailing_slash = path.ends_with(b"/");
    let trimmed = {
        let mut t = path;
        while let [rest @ .., b'/'] = t {
            t = rest;
        }
        t
    };
    if trimmed.is_empty() {
        return Ok(Parent { dir: root(vfs), last: Last::Root, trailing_slash });
    }
    let (dir_part, name) = match trimmed.iter().rposition(|&b| b == b'/') {
        Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
        None => (&b""[..], trimmed),
    };
    let mut w = Walker { vfs, cx, links: 0 };
    let dir = if dir_part.is_empty() {
        let st = w.stat(start.node)?;
        w.check_dir(&st)?;
        start.clone()
    } else {
        let r = match w.run(start, dir_part, true)? {
            Lookup::Found(r) => r,
            Lookup::Missing(_) => return Err(Errno::ENOENT),
        };
        let FileKind::Node(node) = r.kind else { return Err(Errno::ENOTDIR) };
        let st = w.stat(node)?;
        w.check_dir(&st)?;
        Loc { node, path: r.path }
    };
    let last = match name {
        b"." => Last::Dot,
        b".." => Last::DotDot,
        n if n.len() > NAME_MAX => return Err(Errno::ENAMETOOLONG),
        n => Last::Name(n.to_vec()),
    };
    Ok(Parent { dir, last, trailing_slash })
}

/// Looks up one plain name in `dir` without following anything: the entry
/// as its own file system sees it (not what is mounted on it).
pub fn lookup_entry(vfs: &mut MountTable, cx: &FsCtx, dir: &Loc, name: &[u8]) -> KResult<(NodeRef, Stat)> {
    let ino = vfs.get_mut(dir.node.mount).fs.lookup(cx, dir.node.ino, name)?;
    let n = NodeRef { mount: dir.node.mount, ino };
    Ok((n, stat(vfs, cx, n)?))
}

/// Creates `path` and its missing parents as directories (mode 0755),
/// crossing mounts and following symlinks; returns the last directory.
pub fn mkdir_p(vfs: &mut MountTable, cx: &FsCtx, path: &[u8]) -> KResult<NodeRef> {
    let mut cur = root(vfs);
    for comp in path.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
        cur = match walk(vfs, cx, &cur, comp, true)? {
            Lookup::Found(r) => match r.kind {
                FileKind::Node(n) if is_dir(&stat(vfs, cx, n)?) => Loc { node: n, path: r.path },
                _ => return Err(Errno::ENOTDIR),
            },
            Lookup::Missing(p) => {
                let name = p.name(Errno::ENOENT)?.to_vec();
                let ino = vfs.get_mut(p.dir.node.mount).fs.create(cx, p.dir.node.ino, &name, NewNode::Dir, 0o755)?;
                Loc { node: NodeRef { mount: p.dir.node.mount, ino }, path: join(&p.dir.path, &name) }
            }
        };
    }
    Ok(cur.node)
}

/// Resolves `path` (absolute, or relative to `start`) to a directory.
pub fn lookup_dir(vfs: &mut MountTable, cx: &FsCtx, start: NodeRef, path: &[u8]) -> KResult<NodeRef> {
    let from = Loc { node: start, path: b"/".to_vec() };
    match resolve(vfs, cx, &from, path, true)?.kind {
        FileKind::Node(n) if is_dir(&stat(vfs, cx, n)?) => Ok(n),
        _ => Err(Errno::ENOTDIR),
    }
}

struct Walker<'v, 'c, 'p> {
    vfs: &'v mut MountTable,
    cx: &'c FsCtx<'p>,
    links: u32,
}

impl Walker<'_, '_, '_> {
    fn stat(&mut self, n: NodeRef) -> KResult<Stat> {
        stat(self.vfs, self.cx, n)
    }

    /// `ENOTDIR` unless a directory; `EACCES` unless searchable.
    fn check_dir(&self, st: &Stat) -> KResult<()> {
        if !is_dir(st) {
            return Err(Errno::ENOTDIR);
        }
        if !permits(st, self.cx.uid, self.cx.gid, X_OK) {
            return Err(Errno::EACCES);
        }
        Ok(())
    }

    fn count_link(&mut self) -> KResult<()> {
        self.links += 1;
        if self.links > MAX_SYMLINKS {
            return Err(Errno::ELOOP);
        }
        Ok(())
    }

    /// The parent of `cur`, leaving mounts whose root it is.
    fn dotdot(&mut self, cur: &Loc) -> KResult<Loc> {
        let top = root(self.vfs).node;
        let mut n = cur.node;
        loop {
            if n == top {
                return Ok(root(self.vfs));
            }
            if n != self.vfs.mount_root(n.mount) {
                break;
            }
            match self.vfs.get(n.mount).covers {
                Some(c) => n = c,
                // A detached mount's root (memfd): nowhere to go.
                None => return Ok(cur.clone()),
            }
        }
        let p = self.vfs.get_mut(n.mount).fs.parent(self.cx, n.ino)?;
        let node = enter_mounts(self.vfs, NodeRef { mount: n.mount, ino: p });
        let mut path = cur.path.clone();
        match path.iter().rposition(|&b| b == b'/') {
            Some(0) | None => path.truncate(1),
            Some(i) => path.truncate(i),
        }
        Ok(Loc { node, path })
    }

    fn run(&mut self, start: &Loc, path: &[u8], follow: bool) -> KResult<Lookup> {
        let must_dir = path.ends_with(b"/");
        let mut cur = if path.starts_with(b"/") { root(self.vfs) } else { start.clone() };
        let mut cur_st = self.stat(cur.node)?;
        let mut stack: Vec<Vec<u8>> = Vec::new();
        push_components(&mut stack, path, false);
        while let Some(comp) = stack.pop() {
            self.check_dir(&cur_st)?;
            let last = stack.is_empty();
            match &comp[..] {
                b"." => {}
                b".." => {
                    cur = self.dotdot(&cur)?;
                    cur_st = self.stat(cur.node)?;
                }
                name => {
                    if name.len() > NAME_MAX {
                        return Err(Errno::ENAMETOOLONG);
                    }
                    let ino = match self.vfs.get_mut(cur.node.mount).fs.lookup(self.cx, cur.node.ino, name) {
                        Ok(ino) => ino,
                        Err(Errno::ENOENT) if last => {
                            let last = Last::Name(name.to_vec());
                            return Ok(Lookup::Missing(Parent { dir: cur, last, trailing_slash: must_dir }));
                        }
                        Err(e) => return Err(e),
                    };
                    let node = enter_mounts(self.vfs, NodeRef { mount: cur.node.mount, ino });
                    let st = self.stat(node)?;
                    if is_symlink(&st) && (!last || follow || must_dir) {
                        self.count_link()?;
                        if let Some(link) = self.vfs.get_mut(node.mount).fs.magic_link(self.cx, node.ino) {
                            let (kind, path) = self.cx.procs.magic(link).ok_or(Errno::ENOENT)?;
                            let target = match &kind {
                                FileKind::Node(n) => Some(*n),
                                FileKind::Device { .. } | FileKind::Pipe { .. } => None,
                            };
                            if last && !must_dir {
                                return Ok(Lookup::Found(Resolved { kind, path }));
                            }
                            let n = target.ok_or(Errno::ENOTDIR)?;
                            cur_st = self.stat(n)?;
                            cur = Loc { node: n, path };
                            if last {
                                self.check_dir(&cur_st)?;
                            }
                            continue;
                        }
                        let target = self.vfs.get_mut(node.mount).fs.readlink(self.cx, node.ino)?;
                        if target.is_empty() {
                            return Err(Errno::ENOENT);
                        }
                        if target.starts_with(b"/") {
                            cur = root(self.vfs);
                            cur_st = self.stat(cur.node)?;
                        }
                        push_components(&mut stack, &target, true);
                        continue;
                    }
                    cur = Loc { node, path: join(&cur.path, name) };
                    cur_st = st;
                }
            }
        }
        if must_dir {
            self.check_dir(&cur_st)?;
        }
        Ok(Lookup::Found(Resolved { kind: FileKind::Node(cur.node), path: cur.path }))
    }
}

/// Pushes the components of `path` so that its first is popped next. For a
/// symlink target (`link_target`), a trailing slash becomes a final `.`,
/// which requires a directory there.
fn push_components(stack: &mut Vec<Vec<u8>>, path: &[u8], link_target: bool) {
    if link_target && path.ends_with(b"/") {
        stack.push(vec![b'.']);
    }
    for c in path.split(|&b| b == b'/').filter(|c| !c.is_empty()).rev() {
        stack.push(c.to_vec());
    }
}

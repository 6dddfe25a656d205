//! memfs: the in-memory file system behind `/`, `/tmp`, `/dev` and
//! `memfd_create`, with tmpfs semantics.
//!
//! Nodes live in a map by inode number (never reused). Directories keep
//! their entries under stable cookies, so a `getdents64` position survives
//! entries being added or removed between calls, as on Linux. A node is
//! freed when its last link is gone and no open description refers to it
//! (`open`/`release`), so unlinked-but-open files stay readable.
//! Timestamps follow Linux: creation sets all three and touches the parent;
//! writes and truncation set mtime and ctime; attribute changes set ctime;
//! reads set atime under `relatime` rules.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::pages::Pages;
use super::*;
use crate::abi::layout::{Stat, Timespec};
use crate::{Errno, KResult};

/// tmpfs reports a directory's size as 20 bytes per entry, `.` and `..`
/// included.
const BOGO_DIRENT: i64 = 20;
/// Largest file offset (Linux `MAX_LFS_FILESIZE` on 64-bit).
const MAX_FILE: u64 = i64::MAX as u64;
/// The first cookie of a real entry; 0 and 1 are `.` and `..`.
const FIRST_COOKIE: u64 = 2;
const DAY_SECS: i64 = 24 * 3600;

#[derive(Clone, Debug, Default)]
struct Dir {
    parent: Ino,
    /// cookie → (name, ino), in creation order.
    entries: BTreeMap<u64, (Vec<u8>, Ino)>,
    /// name → cookie.
    names: BTreeMap<Vec<u8>, u64>,
    next_cookie: u64,
    /// Removed by `rmdir` (or replaced by `rename`): no lookups, no new
    /// entries.
    removed: bool,
}

impl Dir {
    fn new(parent: Ino) -> Self {
        Dir { parent, next_cookie: FIRST_COOKIE, ..Default::default() }
    }
    fn get(&self, name: &[u8]) -> Option<Ino> {
        self.names.get(name).map(|c| self.entries[c].1)
    }
    fn insert(&mut self, name: &[u8], ino: Ino) {
        let c = self.next_cookie;
        self.next_cookie += 1;
        self.entries.insert(c, (name.to_vec(), ino));
        self.names.insert(name.to_vec(), c);
    }
    fn remove(&mut self, name: &[u8]) -> Option<Ino> {
        let c = self.names.remove(name)?;
        self.entries.remove(&c).map(|e| e.1)
    }
    /// Points an existing entry at another inode (rename over, exchange).
    fn replace(&mut self, name: &[u8], ino: Ino) {
        let c = self.names[name];
        self.entries.get_mut(&c).expect("entry of a known name").1 = ino;
    }
}

#[derive(Clone, Debug)]
enum Kind {
    File(Pages),
    Dir(Dir),
    Symlink(Vec<u8>),
    CharDev(u64),
    Fifo,
}

#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    /// Permission bits (`0o7777`).
    perm: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
    /// Open descriptions referring to this node.
    opens: u32,
}

impl Node {
    fn file_type(&self) -> FileType {
        match self.kind {
            Kind::File(_) => FileType::Regular,
            Kind::Dir(_) => FileType::Directory,
            Kind::Symlink(_) => FileType::Symlink,
            Kind::CharDev(_) => FileType::CharDev,
            Kind::Fifo => FileType::Fifo,
        }
    }
    fn dir(&self) -> KResult<&Dir> {
        match &self.kind {
            Kind::Dir(d) => Ok(d),
            _ => Err(Errno::ENOTDIR),
        }
    }
    fn dir_mut(&mut self) -> KResult<&mut Dir> {
        match &mut self.kind {
            Kind::Dir(d) => Ok(d),
            _ => Err(Errno::ENOTDIR),
        }
    }
    fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }
    fn touch_modify(&mut self, now: Timespec) {
        self.mtime = now;
        self.ctime = now;
    }
}

/// An in-memory file system.
pub struct MemFs {
    nodes: BTreeMap<Ino, Node>,
    next_ino: Ino,
    fs_type: &'static str,
}

const ROOT: Ino = 1;

impl MemFs {
    /// An empty file system: a root directory, mode 0755, owned by root.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self::with_type("tmpfs", 0o755)
    }

    /// An empty file system reporting `fs_type`, its root with `perm`.
    pub fn with_type(fs_type: &'static str, perm: u32) -> Self {
        let mut nodes = BTreeMap::new();
        nodes.insert(ROOT, Node::fresh(Kind::Dir(Dir::new(ROOT)), perm, 0, 0, 2, Timespec::default()));
        MemFs { nodes, next_ino: ROOT + 1, fs_type }
    }

    fn node(&self, ino: Ino) -> KResult<&Node> {
        self.nodes.get(&ino).ok_or(Errno::ENOENT)
    }

    fn node_mut(&mut self, ino: Ino) -> KResult<&mut Node> {
        self.nodes.get_mut(&ino).ok_or(Errno::ENOENT)
    }

    /// A directory that may receive new entries.
    fn live_dir(&self, dir: Ino) -> KResult<&Dir> {
        let d = self.node(dir)?.dir()?;
        if d.removed {
            return Err(Errno::ENOENT);
        }
        Ok(d)
    }

    fn maybe_free(&mut self, ino: Ino) {
        if let Some(n) = self.nodes.get(&ino) {
            if n.nlink == 0 && n.opens == 0 {
                self.nodes.remove(&ino);
            }
        }
    }

    /// Creates a node without a caller context (for building a tree at
    /// boot): owned by root, timestamps `now`.
    pub fn insert(&mut self, dir: Ino, name: &[u8], node: NewNode, perm: u32, now: Timespec) -> KResult<Ino> {
        self.make(dir, name, node, perm, 0, 0, now)
    }

    #[allow(clippy::too_many_arguments)]
    fn make(&mut self, dir: Ino, name: &[u8], node: NewNode, perm: u32, uid: u32, gid: u32, now: Timespec) -> KResult<Ino> {
        if name.len() > 255 {
            return Err(Errno::ENAMETOOLONG);
        }
        let parent = self.node(dir)?;
        let d = parent.dir()?;
        if d.removed {
            return Err(Errno::ENOENT);
        }
        if d.get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        // A set-group-ID directory hands its group (and, to directories,
        // the bit itself) to what is created in it.
        let sgid_dir = parent.perm & 0o2000 != 0;
        let gid = if sgid_dir { parent.gid } else { gid };
        let (kind, perm, nlink) = match node {
            NewNode::File => (Kind::File(Pages::default()), perm, 1),
            NewNode::Dir => (Kind::Dir(Dir::new(dir)), if sgid_dir { perm | 0o2000 } else { perm }, 2),
            NewNode::Symlink(t) => (Kind::Symlink(t.to_vec()), 0o777, 1),
            NewNode::CharDev(rdev) => (Kind::CharDev(rdev), perm, 1),
            NewNode::Fifo => (Kind::Fifo, perm, 1),
        };
        let is_dir = matches!(kind, Kind::Dir(_));
        let ino = self.next_ino;
        self.next_ino += 1;
        self.nodes.insert(ino, Node::fresh(kind, perm & 0o7777, uid, gid, nlink, now));
        let p = self.node_mut(dir)?;
        p.dir_mut()?.insert(name, ino);
        if is_dir {
            p.nlink += 1;
        }
        p.touch_modify(now);
        Ok(ino)
    }

    /// Whether `ino` is `anc` or lies below it.
    fn is_within(&self, mut ino: Ino, anc: Ino) -> bool {
        loop {
            if ino == anc {
                return true;
            }
            match self.nodes.get(&ino).map(|n| &n.kind) {
                Some(Kind::Dir(d)) if d.parent != ino => ino = d.parent,
                _ => return false,
            }
        }
    }

    /// Moves directory `ino` from parent `from` to parent `to` (link counts
    /// and `..`).
    fn reparent(&mut self, ino: Ino, from: Ino, to: Ino) -> KResult<()> {
        if from == to {
            return Ok(());
        }
        if let Kind::Dir(d) = &mut self.node_mut(ino)?.kind {
            d.parent = to;
            self.node_mut(from)?.nlink -= 1;
            self.node_mut(to)?.nlink += 1;
        }
        Ok(())
    }

    /// Drops the link `name` → `ino` made stale by a rename over it.
    fn drop_replaced(&mut self, ino: Ino, parent: Ino, now: Timespec) -> KResult<()> {
        let n = self.node_mut(ino)?;
        n.ctime = now;
        if let Kind::Dir(d) = &mut n.kind {
            d.removed = true;
            n.nlink = 0;
            self.node_mut(parent)?.nlink -= 1;
        } else {
            n.nlink -= 1;
        }
        self.maybe_free(ino);
        Ok(())
    }

    fn exchange(&mut self, now: Timespec, fd: Ino, f: &[u8], td: Ino, t: &[u8]) -> KResult<()> {
        let a = self.live_dir(fd)?.get(f).ok_or(Errno::ENOENT)?;
        let b = self.live_dir(td)?.get(t).ok_or(Errno::ENOENT)?;
        if a == b {
            return Ok(());
        }
        let (a_dir, b_dir) = (self.node(a)?.is_dir(), self.node(b)?.is_dir());
        if (a_dir && self.is_within(td, a)) || (b_dir && self.is_within(fd, b)) {
            return Err(Errno::EINVAL);
        }
        self.node_mut(fd)?.dir_mut()?.replace(f, b);
        self.node_mut(td)?.dir_mut()?.replace(t, a);
        if a_dir {
            self.reparent(a, fd, td)?;
        }
        if b_dir {
            self.reparent(b, td, fd)?;
        }
        for ino in [a, b] {
            self.node_mut(ino)?.ctime = now;
        }
        for d in [fd, td] {
            self.node_mut(d)?.touch_modify(now);
        }
        Ok(())
    }
}

impl Node {
    fn fresh(kind: Kind, perm: u32, uid: u32, gid: u32, nlink: u32, now: Timespec) -> Self {
        Node { kind, perm, uid, gid, nlink, atime: now, mtime: now, ctime: now, opens: 0 }
    }
}

/// `relatime`: atime moves when it is older than mtime or ctime, or a day
/// old.
fn touch_atime(n: &mut Node, now: Timespec) {
    if n.atime <= n.mtime || n.atime <= n.ctime || now.sec - n.atime.sec >= DAY_SECS {
        n.atime = now;
    }
}

impl FileSystem for MemFs {
    fn fs_type(&self) -> &'static str {
        self.fs_type
    }

    fn root(&self) -> Ino {
        ROOT
    }

    fn stat(&mut self, _cx: &FsCtx, ino: Ino) -> KResult<Stat> {
        let n = self.node(ino)?;
        let (size, blocks, rdev) = match &n.kind {
            Kind::File(p) => (p.size() as i64, p.blocks(), 0),
            Kind::Dir(d) => ((d.entries.len() as i64 + 2) * BOGO_DIRENT, 0, 0),
            Kind::Symlink(t) => (t.len() as i64, 0, 0),
            Kind::CharDev(r) => (0, 0, *r),
            Kind::Fifo => (0, 0, 0),
        };
        Ok(Stat {
            dev: 0,
            ino,
            mode: n.file_type().mode_bits() | n.perm,
            nlink: n.nlink,
            uid: n.uid,
            gid: n.gid,
            rdev,
            size,
            blksize: 4096,
            blocks,
            atime: n.atime,
            mtime: n.mtime,
            ctime: n.ctime,
        })
    }

    fn lookup(&mut self, _cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<Ino> {
        self.live_dir(dir)?.get(name).ok_or(Errno::ENOENT)
    }

    fn parent(&mut self, _cx: &FsCtx, dir: Ino) -> KResult<Ino> {
        Ok(self.node(dir)?.dir()?.parent)
    }

    fn create(&mut self, cx: &FsCtx, dir: Ino, name: &[u8], node: NewNode, mode: u32) -> KResult<Ino> {
        self.make(dir, name, node, mode, cx.uid, cx.gid, cx.now)
    }

    fn unlink(&mut self, cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<()> {
        let ino = self.live_dir(dir)?.get(name).ok_or(Errno::ENOENT)?;
        let n = self.node_mut(ino)?;
        if n.is_dir() {
            return Err(Errno::EISDIR);
        }
        n.nlink -= 1;
        n.ctime = cx.now;
        let p = self.node_mut(dir)?;
        p.dir_mut()?.remove(name);
        p.touch_modify(cx.now);
        self.maybe_free(ino);
        Ok(())
    }

    fn rmdir(&mut self, cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<()> {
        let ino = self.live_dir(dir)?.get(name).ok_or(Errno::ENOENT)?;
        let n = self.node_mut(ino)?;
        let d = n.dir_mut()?;
        if !d.entries.is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        d.removed = true;
        n.nlink = 0;
        n.ctime = cx.now;
        let p = self.node_mut(dir)?;
        p.dir_mut()?.remove(name);
        p.nlink -= 1;
        p.touch_modify(cx.now);
        self.maybe_free(ino);
        Ok(())
    }

    fn rename(&mut self, cx: &FsCtx, fd: Ino, f: &[u8], td: Ino, t: &[u8], flags: u32) -> KResult<()> {
        if flags & RENAME_EXCHANGE != 0 {
            return self.exchange(cx.now, fd, f, td, t);
        }
        let src = self.live_dir(fd)?.get(f).ok_or(Errno::ENOENT)?;
        self.live_dir(td)?;
        let src_dir = self.node(src)?.is_dir();
        let dst = self.node(td)?.dir()?.get(t);
        if let Some(dst) = dst {
            if flags & RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if dst == src {
                return Ok(());
            }
            let dn = self.node(dst)?;
            match (src_dir, dn.is_dir()) {
                (false, true) => return Err(Errno::EISDIR),
                (true, false) => return Err(Errno::ENOTDIR),
                (true, true) if !dn.dir()?.entries.is_empty() => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
        }
        if src_dir && self.is_within(td, src) {
            return Err(Errno::EINVAL);
        }
        self.node_mut(fd)?.dir_mut()?.remove(f);
        match dst {
            Some(dst) => {
                self.node_mut(td)?.dir_mut()?.replace(t, src);
                self.drop_replaced(dst, td, cx.now)?;
            }
            None => self.node_mut(td)?.dir_mut()?.insert(t, src),
        }
        if src_dir {
            self.reparent(src, fd, td)?;
        }
        self.node_mut(src)?.ctime = cx.now;
        self.node_mut(fd)?.touch_modify(cx.now);
        self.node_mut(td)?.touch_modify(cx.now);
        Ok(())
    }

    fn link(&mut self, cx: &FsCtx, ino: Ino, dir: Ino, name: &[u8]) -> KResult<()> {
        if name.len() > 255 {
            return Err(Errno::ENAMETOOLONG);
        }
        let n = self.node(ino)?;
        if n.is_dir() {
            return Err(Errno::EPERM);
        }
        if n.nlink == 0 {
            return Err(Errno::ENOENT);
        }
        if self.live_dir(dir)?.get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        let n = self.node_mut(ino)?;
        n.nlink += 1;
        n.ctime = cx.now;
        let p = self.node_mut(dir)?;
        p.dir_mut()?.insert(name, ino);
        p.touch_modify(cx.now);
        Ok(())
    }

    fn readlink(&mut self, _cx: &FsCtx, ino: Ino) -> KResult<Vec<u8>> {
        match &self.node(ino)?.kind {
            Kind::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn readdir(&mut self, cx: &FsCtx, dir: Ino, pos: u64, max: usize) -> KResult<Vec<(DirEntry, u64)>> {
        let n = self.node(dir)?;
        let d = n.dir()?;
        if d.removed {
            return Err(Errno::ENOENT);
        }
        let mut out = Vec::new();
        let dot = |ino, name: &[u8]| DirEntry { ino, name: name.to_vec(), kind: FileType::Directory };
        if pos == 0 && out.len() < max {
            out.push((dot(dir, b"."), 1));
        }
        if pos <= 1 && out.len() < max {
            out.push((dot(d.parent, b".."), FIRST_COOKIE));
        }
        for (&cookie, (name, ino)) in d.entries.range(pos.max(FIRST_COOKIE)..) {
            if out.len() >= max {
                break;
            }
            let kind = self.nodes.get(ino).map_or(FileType::Regular, |n| n.file_type());
            out.push((DirEntry { ino: *ino, name: name.clone(), kind }, cookie + 1));
        }
        touch_atime(self.node_mut(dir)?, cx.now);
        Ok(out)
    }

    fn read(&mut self, cx: &FsCtx, ino: Ino, off: u64, buf: &mut [u8]) -> KResult<usize> {
        let n = self.node_mut(ino)?;
        let got = match &n.kind {
            Kind::File(p) => p.read(off, buf),
            Kind::Dir(_) => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        };
        touch_atime(n, cx.now);
        Ok(got)
    }

    fn write(&mut self, cx: &FsCtx, ino: Ino, off: u64, data: &[u8]) -> KResult<usize> {
        let n = self.node_mut(ino)?;
        let Kind::File(p) = &mut n.kind else {
            return Err(if n.is_dir() { Errno::EISDIR } else { Errno::EINVAL });
        };
        if data.is_empty() {
            return Ok(0);
        }
        if off >= MAX_FILE {
            return Err(Errno::EFBIG);
        }
        let len = (data.len() as u64).min(MAX_FILE - off) as usize;
        p.write(off, &data[..len]);
        n.touch_modify(cx.now);
        Ok(len)
    }

    fn setattr(&mut self, cx: &FsCtx, ino: Ino, attr: &SetAttr) -> KResult<()> {
        let n = self.node_mut(ino)?;
        if let Some(size) = attr.size {
            match &mut n.kind {
                Kind::File(p) => p.truncate(size.min(MAX_FILE)),
                Kind::Dir(_) => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            }
            n.mtime = cx.now;
        }
        if let Some(m) = attr.mode {
            n.perm = m & 0o7777;
        }
        if let Some(u) = attr.uid {
            n.uid = u;
        }
        if let Some(g) = attr.gid {
            n.gid = g;
        }
        if let Some(t) = attr.atime {
            n.atime = t;
        }
        if let Some(t) = attr.mtime {
            n.mtime = t;
        }
        n.ctime = cx.now;
        Ok(())
    }

    fn open(&mut self, _cx: &FsCtx, ino: Ino) -> KResult<()> {
        self.node_mut(ino)?.opens += 1;
        Ok(())
    }

    fn release(&mut self, ino: Ino) {
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.opens = n.opens.saturating_sub(1);
            self.maybe_free(ino);
        }
    }
}

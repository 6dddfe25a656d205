//! File descriptor tables and open file descriptions.
//!
//! As on Linux, a descriptor points at an open file description (offset,
//! status flags, the object); `dup` and `fork` share descriptions.
//! Descriptions live in an arena owned by the kernel ([`OpenFiles`]) and are
//! reference-counted by descriptor entries.

use alloc::vec::Vec;

use crate::abi::errno::Errno;
use crate::abi::flags::*;
use crate::dev::Device;
use crate::vfs::NodeRef;
use crate::KResult;

/// Index of an open file description in [`OpenFiles`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OfdId(pub u32);

/// What an open file description refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A file, directory or symlink (`O_PATH`) in some file system.
    Node(NodeRef),
    /// A character device; `node` is its entry in `/dev`, if any.
    Device { dev: Device, node: Option<NodeRef> },
    /// An end of a pipe (which end the access mode says) in
    /// [`crate::pipe::Pipes`]; `node` is the FIFO it was opened through,
    /// if any.
    Pipe { id: u32, node: Option<NodeRef> },
}

/// An open file description.
#[derive(Clone, Debug)]
pub struct OpenFile {
    pub kind: FileKind,
    /// Access mode and status flags (`O_APPEND`, `O_NONBLOCK`, ...).
    pub flags: u32,
    pub offset: u64,
    /// The path it was opened by, for `/proc/PID/fd` and `--strace`.
    pub path: Vec<u8>,
    refs: u32,
}

impl OpenFile {
    pub fn new(kind: FileKind, flags: u32, path: Vec<u8>) -> Self {
        OpenFile { kind, flags, offset: 0, path, refs: 0 }
    }
    pub fn readable(&self) -> bool {
        self.flags & O_PATH == 0 && self.flags & O_ACCMODE != O_WRONLY
    }
    pub fn writable(&self) -> bool {
        self.flags & O_PATH == 0 && self.flags & O_ACCMODE != O_RDONLY
    }
    pub fn node(&self) -> Option<NodeRef> {
        match &self.kind {
            FileKind::Node(n) => Some(*n),
            FileKind::Device { node, .. } => *node,
            FileKind::Pipe { node, .. } => *node,
        }
    }
    /// The pipe behind this description, if it is one.
    pub fn pipe(&self) -> Option<u32> {
        match self.kind {
            FileKind::Pipe { id, .. } => Some(id),
            _ => None,
        }
    }
}

/// The arena of open file descriptions.
#[derive(Default)]
pub struct OpenFiles {
    slots: Vec<Option<OpenFile>>,
    free: Vec<u32>,
}

impl OpenFiles {
    /// Stores a description with no references yet.
    pub fn insert(&mut self, f: OpenFile) -> OfdId {
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(f);
            OfdId(i)
        } else {
            self.slots.push(Some(f));
            OfdId(self.slots.len() as u32 - 1)
        }
    }
    pub fn get(&self, id: OfdId) -> &OpenFile {
        self.slots[id.0 as usize].as_ref().expect("dangling open file id")
    }
    pub fn get_mut(&mut self, id: OfdId) -> &mut OpenFile {
        self.slots[id.0 as usize].as_mut().expect("dangling open file id")
    }
    pub fn add_ref(&mut self, id: OfdId) {
        self.get_mut(id).refs += 1;
    }
    /// Drops one reference; returns the description when it was the last, so
    /// the caller can release the node it refers to.
    pub fn drop_ref(&mut self, id: OfdId) -> Option<OpenFile> {
        let f = self.get_mut(id);
        f.refs -= 1;
        if f.refs == 0 {
            self.free.push(id.0);
            self.slots[id.0 as usize].take()
        } else {
            None
        }
    }
    pub fn live(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}

/// One descriptor slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdEntry {
    pub ofd: OfdId,
    pub cloexec: bool,
}

/// A process's descriptor table.
#[derive(Clone, Debug, Default)]
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
}

/// Default `RLIMIT_NOFILE`.
pub const DEFAULT_NOFILE: u32 = 1024;

impl FdTable {
    pub fn get(&self, fd: i32) -> KResult<FdEntry> {
        if fd < 0 {
            return Err(Errno::EBADF);
        }
        self.slots.get(fd as usize).copied().flatten().ok_or(Errno::EBADF)
    }
    pub fn set_cloexec(&mut self, fd: i32, on: bool) -> KResult<()> {
        let e = self.slots.get_mut(fd as usize).and_then(|s| s.as_mut()).ok_or(Errno::EBADF)?;
        e.cloexec = on;
        Ok(())
    }
    /// The lowest free descriptor at or above `min`, below `limit`.
    pub fn lowest_free(&self, min: u32, limit: u32) -> KResult<u32> {
        let mut fd = min;
        while fd < limit {
            match self.slots.get(fd as usize) {
                Some(Some(_)) => fd += 1,
                _ => return Ok(fd),
            }
        }
        Err(Errno::EMFILE)
    }
    /// Puts `entry` at `fd`, returning what was there (the caller must drop
    /// its reference). The caller has already counted `entry`'s reference.
    pub fn install(&mut self, fd: u32, entry: FdEntry) -> Option<FdEntry> {
        let i = fd as usize;
        if self.slots.len() <= i {
            self.slots.resize(i + 1, None);
        }
        self.slots[i].replace(entry)
    }
    pub fn remove(&mut self, fd: i32) -> KResult<FdEntry> {
        if fd < 0 {
            return Err(Errno::EBADF);
        }
        self.slots.get_mut(fd as usize).and_then(|s| s.take()).ok_or(Errno::EBADF)
    }
    /// Every open descriptor, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u32, FdEntry)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| s.map(|e| (i as u32, e)))
    }
}

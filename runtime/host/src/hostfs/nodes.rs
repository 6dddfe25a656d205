//! The inode table: kernel inode numbers ↔ host files.
//!
//! Each host file gets one kernel inode number, keyed by the host's
//! `(st_dev, st_ino)`, so the same file reached by two paths (a hard link,
//! a directory seen through `..`) is one inode to the guest and its number
//! stays stable for as long as the host file exists. Numbers are handed out
//! from a counter (host inode numbers of different devices under one mount
//! could collide).
//!
//! A node remembers where it was last seen: its parent directory's inode
//! and its name there, like a dentry. Renames through hostfs update it;
//! every lookup refreshes it. A host path is never stored: operations go
//! through descriptors of the parent directory (see `mod.rs`), so a rename
//! of an ancestor needs no fix-up.

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::sync::Arc;

use wasmos_kernel::vfs::{FileType, Ino};
use wasmos_kernel::{Errno, KResult};

/// The root directory's inode number.
pub const ROOT: Ino = 1;

/// One host file the guest has seen.
pub struct Node {
    pub parent: Ino,
    pub name: Vec<u8>,
    pub dev: u64,
    pub host_ino: u64,
    pub kind: FileType,
    /// The host descriptor regular files are read and written through
    /// while the kernel has them open (and just after `create`).
    pub file: Option<Arc<OwnedFd>>,
    /// Open file descriptions the kernel holds on this node.
    pub opens: u32,
}

impl Node {
    pub fn same_file(&self, st: &libc::stat) -> bool {
        self.dev == st.st_dev && self.host_ino == st.st_ino
    }
}

/// The file type in a host mode.
pub fn kind_of(mode: u32) -> FileType {
    FileType::from_mode(mode)
}

/// All known nodes.
pub struct Nodes {
    map: HashMap<Ino, Node>,
    by_host: HashMap<(u64, u64), Ino>,
    next: Ino,
}

impl Nodes {
    /// A table holding the root, described by `st`.
    pub fn new(st: &libc::stat) -> Self {
        let mut n = Nodes { map: HashMap::new(), by_host: HashMap::new(), next: ROOT + 1 };
        n.map.insert(
            ROOT,
            Node { parent: ROOT, name: Vec::new(), dev: st.st_dev, host_ino: st.st_ino, kind: FileType::Directory, file: None, opens: 0 },
        );
        n.by_host.insert((st.st_dev, st.st_ino), ROOT);
        n
    }

    pub fn get(&self, ino: Ino) -> KResult<&Node> {
        self.map.get(&ino).ok_or(Errno::ESTALE)
    }

    pub fn get_mut(&mut self, ino: Ino) -> KResult<&mut Node> {
        self.map.get_mut(&ino).ok_or(Errno::ESTALE)
    }

    /// The node of the host file `st` found as `name` in `parent`,
    /// created if new; its location is updated to that entry.
    pub fn intern(&mut self, parent: Ino, name: &[u8], st: &libc::stat) -> Ino {
        let kind = kind_of(st.st_mode);
        if let Some(&ino) = self.by_host.get(&(st.st_dev, st.st_ino)) {
            let n = self.map.get_mut(&ino).expect("by_host and map agree");
            if ino != ROOT {
                n.parent = parent;
                n.name.clear();
                n.name.extend_from_slice(name);
            }
            if n.kind != kind {
                // The host inode number was reused for another kind of file.
                n.kind = kind;
                n.file = None;
            }
            return ino;
        }
        let ino = self.next;
        self.next += 1;
        let node = Node { parent, name: name.to_vec(), dev: st.st_dev, host_ino: st.st_ino, kind, file: None, opens: 0 };
        self.map.insert(ino, node);
        self.by_host.insert((st.st_dev, st.st_ino), ino);
        ino
    }

    /// The inode already known for a host file, if any.
    pub fn known(&self, st: &libc::stat) -> Option<Ino> {
        self.by_host.get(&(st.st_dev, st.st_ino)).copied()
    }

    /// The nearest of `ino` and its ancestors that `have` accepts (the
    /// root at the latest), and the nodes below it down to `ino`, top-down:
    /// what must be opened, one entry at a time, to reach `ino`.
    pub fn path_from(&self, ino: Ino, have: impl Fn(Ino) -> bool) -> KResult<(Ino, Vec<Ino>)> {
        let mut below = Vec::new();
        let mut cur = ino;
        loop {
            if cur == ROOT || have(cur) {
                below.reverse();
                return Ok((cur, below));
            }
            if below.len() >= 4096 {
                return Err(Errno::ELOOP);
            }
            below.push(cur);
            cur = self.get(cur)?.parent;
        }
    }
}

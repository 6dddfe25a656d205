//! The mount table: which file system answers for which part of the tree.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::{FileSystem, MountId, NodeRef};

/// One mounted file system.
pub struct Mount {
    pub fs: Box<dyn FileSystem>,
    pub readonly: bool,
    /// Absolute guest path of the mount point.
    pub path: Vec<u8>,
    /// The directory this mount covers (`None` for `/`).
    pub covers: Option<NodeRef>,
}

/// All mounts; index 0 is `/`.
pub struct MountTable {
    mounts: Vec<Mount>,
}

impl MountTable {
    pub fn new(root: Box<dyn FileSystem>) -> Self {
        MountTable { mounts: alloc::vec![Mount { fs: root, readonly: false, path: b"/".to_vec(), covers: None }] }
    }
    /// The root of the whole namespace.
    pub fn root(&self) -> NodeRef {
        NodeRef { mount: 0, ino: self.mounts[0].fs.root() }
    }
    /// The root node of mount `m`.
    pub fn mount_root(&self, m: MountId) -> NodeRef {
        NodeRef { mount: m, ino: self.mounts[m].fs.root() }
    }
    pub fn add(&mut self, covers: NodeRef, path: Vec<u8>, fs: Box<dyn FileSystem>, readonly: bool) -> MountId {
        self.mounts.push(Mount { fs, readonly, path, covers: Some(covers) });
        let table = self.describe();
        for m in &mut self.mounts {
            m.fs.mounts_changed(&table);
        }
        self.mounts.len() - 1
    }
    /// Adds a file system reachable from no path (the one behind
    /// `memfd_create`): not covering anything, not in `/proc/mounts`.
    pub fn add_detached(&mut self, path: Vec<u8>, fs: Box<dyn FileSystem>) -> MountId {
        self.mounts.push(Mount { fs, readonly: false, path, covers: None });
        self.mounts.len() - 1
    }
    /// The mount table as `/proc/mounts` shows it.
    pub fn describe(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, m) in self.iter() {
            if i != 0 && m.covers.is_none() {
                continue;
            }
            let ty = m.fs.fs_type().as_bytes();
            out.extend_from_slice(ty);
            out.push(b' ');
            for &c in &m.path {
                match c {
                    b' ' | b'\t' | b'\n' | b'\\' => out.extend_from_slice(&[b'\\', b'0' + (c >> 6), b'0' + ((c >> 3) & 7), b'0' + (c & 7)]),
                    c => out.push(c),
                }
            }
            out.push(b' ');
            out.extend_from_slice(ty);
            out.extend_from_slice(if m.readonly { b" ro,relatime 0 0\n" } else { b" rw,relatime 0 0\n" });
        }
        out
    }
    /// The mount whose mount point is `node`, if any (the latest wins).
    pub fn mounted_on(&self, node: NodeRef) -> Option<MountId> {
        self.mounts.iter().rposition(|m| m.covers == Some(node))
    }
    pub fn get(&self, m: MountId) -> &Mount {
        &self.mounts[m]
    }
    pub fn get_mut(&mut self, m: MountId) -> &mut Mount {
        &mut self.mounts[m]
    }
    pub fn iter(&self) -> impl Iterator<Item = (MountId, &Mount)> {
        self.mounts.iter().enumerate()
    }
}

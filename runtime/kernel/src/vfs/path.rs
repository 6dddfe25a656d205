//! Path resolution (stub: to be implemented).

use alloc::vec::Vec;

use super::{FsCtx, MountTable, NodeRef};
use crate::{Errno, KResult};

/// Lexically normalises an absolute path (`//`, `.`, trailing `/`).
pub fn normalize(path: &[u8]) -> Vec<u8> {
    path.to_vec()
}

pub fn mkdir_p(vfs: &mut MountTable, _cx: &FsCtx, _path: &[u8]) -> KResult<NodeRef> {
    Ok(vfs.root())
}

pub fn lookup_dir(_vfs: &mut MountTable, _cx: &FsCtx, start: NodeRef, _path: &[u8]) -> KResult<NodeRef> {
    let _ = Errno::ENOENT;
    Ok(start)
}

//! devfs (stub: to be implemented).

use alloc::vec::Vec;

use super::*;
use crate::abi::layout::Stat;
use crate::{Errno, KResult};

pub struct DevFs;

impl DevFs {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        DevFs
    }
}

impl FileSystem for DevFs {
    fn fs_type(&self) -> &'static str {
        "devfs"
    }
    fn root(&self) -> Ino {
        1
    }
    fn stat(&mut self, _cx: &FsCtx, _ino: Ino) -> KResult<Stat> {
        Err(Errno::ENOSYS)
    }
    fn lookup(&mut self, _cx: &FsCtx, _dir: Ino, _name: &[u8]) -> KResult<Ino> {
        Err(Errno::ENOENT)
    }
    fn parent(&mut self, _cx: &FsCtx, dir: Ino) -> KResult<Ino> {
        Ok(dir)
    }
    fn create(&mut self, _cx: &FsCtx, _dir: Ino, _name: &[u8], _node: NewNode, _mode: u32) -> KResult<Ino> {
        Err(Errno::ENOSYS)
    }
    fn unlink(&mut self, _cx: &FsCtx, _dir: Ino, _name: &[u8]) -> KResult<()> {
        Err(Errno::ENOSYS)
    }
    fn rmdir(&mut self, _cx: &FsCtx, _dir: Ino, _name: &[u8]) -> KResult<()> {
        Err(Errno::ENOSYS)
    }
    fn rename(&mut self, _cx: &FsCtx, _fd: Ino, _f: &[u8], _td: Ino, _t: &[u8], _flags: u32) -> KResult<()> {
        Err(Errno::ENOSYS)
    }
    fn link(&mut self, _cx: &FsCtx, _ino: Ino, _dir: Ino, _name: &[u8]) -> KResult<()> {
        Err(Errno::ENOSYS)
    }
    fn readlink(&mut self, _cx: &FsCtx, _ino: Ino) -> KResult<Vec<u8>> {
        Err(Errno::EINVAL)
    }
    fn readdir(&mut self, _cx: &FsCtx, _dir: Ino, _pos: u64, _max: usize) -> KResult<Vec<(DirEntry, u64)>> {
        Ok(Vec::new())
    }
    fn read(&mut self, _cx: &FsCtx, _ino: Ino, _off: u64, _buf: &mut [u8]) -> KResult<usize> {
        Err(Errno::ENOSYS)
    }
    fn write(&mut self, _cx: &FsCtx, _ino: Ino, _off: u64, _data: &[u8]) -> KResult<usize> {
        Err(Errno::ENOSYS)
    }
    fn setattr(&mut self, _cx: &FsCtx, _ino: Ino, _attr: &SetAttr) -> KResult<()> {
        Err(Errno::ENOSYS)
    }
}

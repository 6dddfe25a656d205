//! devfs: `/dev`, a memfs populated at boot like Linux's devtmpfs.
//!
//! The character devices carry the `rdev` of the [`Device`] the kernel
//! implements; opening any node with such an `rdev` (here or made with
//! `mknod` elsewhere) yields that device. `stdin`/`stdout`/`stderr`/`fd`
//! are symlinks into `/proc/self`, resolved through its magic links. `shm`
//! is a sticky world-writable directory for `shm_open`. Being a memfs, root
//! may create further nodes, as in devtmpfs.

use alloc::vec::Vec;

use super::memfs::MemFs;
use super::*;
use crate::abi::layout::{Stat, Timespec};
use crate::dev::Device;
use crate::KResult;

/// The `/dev` file system.
pub struct DevFs(MemFs);

/// Character devices in `/dev`: name, device, permissions.
const DEVICES: &[(&[u8], Device, u32)] = &[
    (b"null", Device::Null, 0o666),
    (b"zero", Device::Zero, 0o666),
    (b"full", Device::Full, 0o666),
    (b"random", Device::Random, 0o666),
    (b"urandom", Device::URandom, 0o666),
    (b"tty", Device::Tty, 0o666),
];

const LINKS: &[(&[u8], &[u8])] =
    &[(b"stdin", b"/proc/self/fd/0"), (b"stdout", b"/proc/self/fd/1"), (b"stderr", b"/proc/self/fd/2"), (b"fd", b"/proc/self/fd")];

impl DevFs {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let mut fs = MemFs::with_type("devtmpfs", 0o755);
        let root = fs.root();
        let t = Timespec::default();
        for &(name, dev, perm) in DEVICES {
            fs.insert(root, name, NewNode::CharDev(dev.rdev()), perm, t).expect("populating /dev");
        }
        for &(name, target) in LINKS {
            fs.insert(root, name, NewNode::Symlink(target), 0o777, t).expect("populating /dev");
        }
        fs.insert(root, b"shm", NewNode::Dir, 0o1777, t).expect("populating /dev");
        DevFs(fs)
    }
}

impl FileSystem for DevFs {
    fn fs_type(&self) -> &'static str {
        self.0.fs_type()
    }
    fn root(&self) -> Ino {
        self.0.root()
    }
    fn stat(&mut self, cx: &FsCtx, ino: Ino) -> KResult<Stat> {
        self.0.stat(cx, ino)
    }
    fn lookup(&mut self, cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<Ino> {
        self.0.lookup(cx, dir, name)
    }
    fn parent(&mut self, cx: &FsCtx, dir: Ino) -> KResult<Ino> {
        self.0.parent(cx, dir)
    }
    fn create(&mut self, cx: &FsCtx, dir: Ino, name: &[u8], node: NewNode, mode: u32) -> KResult<Ino> {
        self.0.create(cx, dir, name, node, mode)
    }
    fn unlink(&mut self, cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<()> {
        self.0.unlink(cx, dir, name)
    }
    fn rmdir(&mut self, cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<()> {
        self.0.rmdir(cx, dir, name)
    }
    fn rename(&mut self, cx: &FsCtx, fd: Ino, f: &[u8], td: Ino, t: &[u8], flags: u32) -> KResult<()> {
        self.0.rename(cx, fd, f, td, t, flags)
    }
    fn link(&mut self, cx: &FsCtx, ino: Ino, dir: Ino, name: &[u8]) -> KResult<()> {
        self.0.link(cx, ino, dir, name)
    }
    fn readlink(&mut self, cx: &FsCtx, ino: Ino) -> KResult<Vec<u8>> {
        self.0.readlink(cx, ino)
    }
    fn readdir(&mut self, cx: &FsCtx, dir: Ino, pos: u64, max: usize) -> KResult<Vec<(DirEntry, u64)>> {
        self.0.readdir(cx, dir, pos, max)
    }
    fn read(&mut self, cx: &FsCtx, ino: Ino, off: u64, buf: &mut [u8]) -> KResult<usize> {
        self.0.read(cx, ino, off, buf)
    }
    fn write(&mut self, cx: &FsCtx, ino: Ino, off: u64, data: &[u8]) -> KResult<usize> {
        self.0.write(cx, ino, off, data)
    }
    fn setattr(&mut self, cx: &FsCtx, ino: Ino, attr: &SetAttr) -> KResult<()> {
        self.0.setattr(cx, ino, attr)
    }
    fn open(&mut self, cx: &FsCtx, ino: Ino) -> KResult<()> {
        self.0.open(cx, ino)
    }
    fn release(&mut self, ino: Ino) {
        self.0.release(ino)
    }
}

//! The virtual file system: a mount table routing paths to file systems.
//!
//! Every file system implements [`FileSystem`], an inode-number interface
//! over `&mut self`: the kernel is single-threaded from its own point of
//! view (engines serialise calls into it), so no locks live here. Path
//! resolution (`path.rs`) walks one component at a time, follows symlinks
//! itself and handles `..` at mount roots, so no file system ever sees a
//! path and nothing can lead outside a mount's root.

use alloc::vec::Vec;

use crate::abi::flags::*;
use crate::abi::layout::{Stat, Timespec};
use crate::KResult;

pub mod devfs;
pub mod memfs;
pub mod mount;
pub mod ops;
mod pages;
pub mod path;
pub mod procfs;

pub use mount::{Mount, MountTable};

/// An inode number, unique within one file system.
pub type Ino = u64;
/// Index of a mount in the [`MountTable`].
pub type MountId = usize;

/// A node anywhere in the namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef {
    pub mount: MountId,
    pub ino: Ino,
}

/// The type bits of a mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDev,
    BlockDev,
    Fifo,
    Socket,
}

impl FileType {
    pub fn from_mode(mode: u32) -> FileType {
        match mode & S_IFMT {
            S_IFDIR => FileType::Directory,
            S_IFLNK => FileType::Symlink,
            S_IFCHR => FileType::CharDev,
            S_IFBLK => FileType::BlockDev,
            S_IFIFO => FileType::Fifo,
            S_IFSOCK => FileType::Socket,
            _ => FileType::Regular,
        }
    }
    pub fn mode_bits(self) -> u32 {
        match self {
            FileType::Regular => S_IFREG,
            FileType::Directory => S_IFDIR,
            FileType::Symlink => S_IFLNK,
            FileType::CharDev => S_IFCHR,
            FileType::BlockDev => S_IFBLK,
            FileType::Fifo => S_IFIFO,
            FileType::Socket => S_IFSOCK,
        }
    }
    /// The `d_type` of a directory entry.
    pub fn dirent_type(self) -> u8 {
        match self {
            FileType::Regular => DT_REG,
            FileType::Directory => DT_DIR,
            FileType::Symlink => DT_LNK,
            FileType::CharDev => DT_CHR,
            FileType::BlockDev => DT_BLK,
            FileType::Fifo => DT_FIFO,
            FileType::Socket => DT_SOCK,
        }
    }
}

/// What to create in [`FileSystem::create`].
#[derive(Clone, Copy, Debug)]
pub enum NewNode<'a> {
    File,
    Dir,
    Symlink(&'a [u8]),
    /// A character device with this `rdev`.
    CharDev(u64),
    Fifo,
}

/// One directory entry. `.` and `..` are produced by the file system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: Ino,
    pub name: Vec<u8>,
    pub kind: FileType,
}

/// Attribute changes; `None` leaves a field alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct SetAttr {
    /// Permission bits only (`0o7777`).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub size: Option<u64>,
    pub atime: Option<Timespec>,
    pub mtime: Option<Timespec>,
}

/// One process as `/proc` shows it.
#[derive(Clone, Debug, Default)]
pub struct ProcInfo {
    pub pid: u32,
    pub ppid: u32,
    pub pgid: u32,
    pub sid: u32,
    /// `R`, `S`, `Z`, `T`.
    pub state: u8,
    pub name: Vec<u8>,
    /// NUL-separated, NUL-terminated arguments.
    pub cmdline: Vec<u8>,
    pub environ: Vec<u8>,
    pub cwd: Vec<u8>,
    pub exe: Vec<u8>,
    pub uid: u32,
    pub gid: u32,
    pub umask: u32,
    /// Bytes of linear memory.
    pub vm_bytes: u64,
    pub start_ns: u64,
    /// Open descriptors: (fd, what `readlink /proc/PID/fd/FD` shows).
    pub fds: Vec<(u32, Vec<u8>)>,
    /// Signal sets for `status`: pending, blocked, ignored, caught.
    pub sig_pending: u64,
    pub sig_blocked: u64,
    pub sig_ignored: u64,
    pub sig_caught: u64,
}

/// Read-only view of the process table, for `/proc`.
pub trait ProcView {
    fn pids(&self) -> Vec<u32>;
    fn info(&self, pid: u32) -> Option<ProcInfo>;
    /// What a magic link leads to: the object (a new description on it is
    /// what opening the link yields) and its absolute path.
    fn magic(&self, _link: MagicLink) -> Option<(crate::fd::FileKind, Vec<u8>)> {
        None
    }
}

/// Context every file-system call gets: who is asking, and when.
pub struct FsCtx<'a> {
    pub now: Timespec,
    pub pid: u32,
    pub uid: u32,
    pub gid: u32,
    pub procs: &'a dyn ProcView,
}

/// Where a "magic" link (`/proc/PID/fd/N`, `/proc/PID/cwd`) leads: not a
/// path, but an object the kernel already holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MagicLink {
    Fd { pid: u32, fd: u32 },
    Cwd { pid: u32 },
}

/// A file system. Inode numbers are the file system's own; the VFS pairs
/// them with a [`MountId`]. Methods that the file system does not support
/// return `EPERM`/`EROFS`/`ENOTSUP` as Linux would.
///
/// What the VFS (`path.rs`, `ops.rs`, `file.rs`) guarantees an
/// implementation: it only sees single names; `..` at its root never
/// reaches it (`parent` is asked only for inner directories); symlink text
/// from `readlink` is resolved by the VFS inside the guest namespace (a
/// host file system must not follow host symlinks itself); read-only mounts
/// are refused with `EROFS` before any modifying call; `create` gets
/// permission bits with the umask applied; every open description of a node
/// (`O_PATH` and directories included) is bracketed by `open`/`release`;
/// `readdir` positions are opaque cookies the guest may store (`telldir`)
/// and hand back later, so they must stay valid while entries come and go.
pub trait FileSystem: Send {
    /// A short type name for `/proc/mounts` and `statfs` (`"tmpfs"`, ...).
    fn fs_type(&self) -> &'static str;
    fn root(&self) -> Ino;
    /// Attributes; `st_dev` is filled in by the VFS.
    fn stat(&mut self, cx: &FsCtx, ino: Ino) -> KResult<Stat>;
    /// One component (never `.`, `..`, empty or containing `/`).
    fn lookup(&mut self, cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<Ino>;
    /// The parent directory (the root is its own parent).
    fn parent(&mut self, cx: &FsCtx, dir: Ino) -> KResult<Ino>;
    /// Creates `name` in `dir` with permission bits `mode` (umask already
    /// applied); `EEXIST` if it exists.
    fn create(&mut self, cx: &FsCtx, dir: Ino, name: &[u8], node: NewNode, mode: u32) -> KResult<Ino>;
    /// Removes a non-directory entry (`EISDIR` for a directory).
    fn unlink(&mut self, cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<()>;
    /// Removes an empty directory (`ENOTDIR`, `ENOTEMPTY`).
    fn rmdir(&mut self, cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<()>;
    /// Renames within this file system with Linux `rename(2)` rules
    /// (`RENAME_NOREPLACE`/`RENAME_EXCHANGE` in `flags`).
    fn rename(&mut self, cx: &FsCtx, from_dir: Ino, from: &[u8], to_dir: Ino, to: &[u8], flags: u32) -> KResult<()>;
    /// Adds a hard link to `ino`.
    fn link(&mut self, cx: &FsCtx, ino: Ino, dir: Ino, name: &[u8]) -> KResult<()>;
    fn readlink(&mut self, cx: &FsCtx, ino: Ino) -> KResult<Vec<u8>>;
    /// For `/proc`: a link that resolves to a kernel object, not a path.
    fn magic_link(&mut self, _cx: &FsCtx, _ino: Ino) -> Option<MagicLink> {
        None
    }
    /// Entries from position `pos` (0 = start), at most `max` of them, each
    /// with the position of the entry after it.
    fn readdir(&mut self, cx: &FsCtx, dir: Ino, pos: u64, max: usize) -> KResult<Vec<(DirEntry, u64)>>;
    fn read(&mut self, cx: &FsCtx, ino: Ino, off: u64, buf: &mut [u8]) -> KResult<usize>;
    fn write(&mut self, cx: &FsCtx, ino: Ino, off: u64, data: &[u8]) -> KResult<usize>;
    fn setattr(&mut self, cx: &FsCtx, ino: Ino, attr: &SetAttr) -> KResult<()>;
    /// An open file description now refers to `ino` (keeps unlinked files
    /// alive until [`FileSystem::release`]).
    fn open(&mut self, _cx: &FsCtx, _ino: Ino) -> KResult<()> {
        Ok(())
    }
    /// The last description referring to `ino` closed.
    fn release(&mut self, _ino: Ino) {}
    fn sync(&mut self, _ino: Ino) -> KResult<()> {
        Ok(())
    }
    /// The mount table changed; `table` is its `/proc/mounts` text. Only
    /// procfs cares.
    fn mounts_changed(&mut self, _table: &[u8]) {}
}

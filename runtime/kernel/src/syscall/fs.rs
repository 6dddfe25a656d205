//! fs syscalls (stubs until implemented).

use super::*;
use crate::Kernel;

pub fn openat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn newfstatat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fstat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn statx(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn mkdirat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn mknodat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn unlinkat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn renameat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn renameat2(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn linkat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn symlinkat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn readlinkat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn faccessat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn faccessat2(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fchmodat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fchmod(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fchownat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fchown(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn utimensat(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn truncate(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn ftruncate(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fallocate(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fsync(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fdatasync(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn sync(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn syncfs(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn getdents64(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn chdir(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fchdir(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn getcwd(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn chroot(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn statfs(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fstatfs(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn flock(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn memfd_create(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}


//! rw syscalls (stubs until implemented).

use super::*;
use crate::Kernel;

pub fn read(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn write(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn readv(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn writev(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn pread64(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn pwrite64(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn preadv(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn pwritev(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn _llseek(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn sendfile(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fadvise64_64(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}


//! fdops syscalls (stubs until implemented).

use super::*;
use crate::Kernel;

pub fn close(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn close_range(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn dup(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn dup3(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn fcntl(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn ioctl(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn pipe2(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn ppoll(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn pselect6(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}


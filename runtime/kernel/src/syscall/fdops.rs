//! Descriptor table operations: `close`, `close_range`, `dup`, `dup3`,
//! `fcntl`. (`ioctl` is in `tty.rs`.)

use super::*;
use crate::abi::flags::*;
use crate::fd::FdEntry;
use crate::Kernel;

pub fn close(k: &mut Kernel, c: &mut Call) -> SysResult {
    k.close_fd(c.pid, c.i32(0))?;
    Ok(0)
}

const CLOSE_RANGE_UNSHARE: u32 = 2;
const CLOSE_RANGE_CLOEXEC: u32 = 4;

pub fn close_range(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (first, last, flags) = (c.u32(0), c.u32(1), c.u32(2));
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL.into());
    }
    let pid = c.pid;
    let fds: alloc::vec::Vec<u32> = k.proc(pid).fds.iter().map(|(fd, _)| fd).filter(|fd| (first..=last).contains(fd)).collect();
    for fd in fds {
        if flags & CLOSE_RANGE_CLOEXEC != 0 {
            k.proc_mut(pid).fds.set_cloexec(fd as i32, true)?;
        } else {
            k.close_fd(pid, fd as i32)?;
        }
    }
    Ok(0)
}

/// Points `new` at `old`'s description, closing what `new` held.
fn dup_to(k: &mut Kernel, pid: u32, old: i32, new: u32, cloexec: bool) -> SysResult {
    let e = k.proc(pid).fds.get(old)?;
    k.files.add_ref(e.ofd);
    if let Some(prev) = k.proc_mut(pid).fds.install(new, FdEntry { ofd: e.ofd, cloexec }) {
        k.drop_ofd(prev.ofd);
    }
    Ok(new as i64)
}

pub fn dup(k: &mut Kernel, c: &mut Call) -> SysResult {
    let e = k.proc(c.pid).fds.get(c.i32(0))?;
    Ok(k.install_fd(c.pid, e.ofd, 0, false)? as i64)
}

pub fn dup3(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (old, new, flags) = (c.i32(0), c.i32(1), c.u32(2));
    if flags & !O_CLOEXEC != 0 {
        return Err(Errno::EINVAL.into());
    }
    if old == new {
        return Err(Errno::EINVAL.into());
    }
    let pid = c.pid;
    k.proc(pid).fds.get(old)?;
    if new < 0 || new as u32 >= k.proc(pid).nofile() {
        return Err(Errno::EBADF.into());
    }
    dup_to(k, pid, old, new as u32, flags & O_CLOEXEC != 0)
}

/// Status flags `F_SETFL` may change.
const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
const F_OFD_GETLK: u32 = 36;
const F_OFD_SETLK: u32 = 37;
const F_OFD_SETLKW: u32 = 38;
const F_GETOWN_EX_SIZE: usize = 8;
const F_RDLCK: u16 = 0;
const F_WRLCK: u16 = 1;
const F_UNLCK: u16 = 2;

/// `F_GETLK`/`F_SETLK`/`F_SETLKW` on a `struct flock` (`l_type` i16 at 0,
/// `l_whence` i16 at 2, `l_start` and `l_len` i64 at 8 and 16, `l_pid` at
/// 24). Record locks cannot conflict within one process, and processes do
/// not share files yet, so every valid request is granted and `F_GETLK`
/// reports the range unlocked.
fn lock(k: &mut Kernel, c: &mut Call, get: bool) -> SysResult {
    let e = k.proc(c.pid).fds.get(c.i32(0))?;
    let f = k.files.get(e.ofd);
    if f.flags & O_PATH != 0 {
        return Err(Errno::EBADF.into());
    }
    let (readable, writable) = (f.readable(), f.writable());
    let arg = c.u32(2);
    let mut b = [0u8; 2];
    c.mem.read(arg, &mut b)?;
    match u16::from_le_bytes(b) {
        F_RDLCK if !get && !readable => Err(Errno::EBADF.into()),
        F_WRLCK if !get && !writable => Err(Errno::EBADF.into()),
        F_RDLCK | F_WRLCK if get => {
            c.write_bytes(arg, &F_UNLCK.to_le_bytes())?;
            Ok(0)
        }
        F_RDLCK | F_WRLCK => Ok(0),
        F_UNLCK if !get => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}

pub fn fcntl(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (fd, cmd, arg) = (c.i32(0), c.u32(1), c.u32(2));
    let pid = c.pid;
    let e = k.proc(pid).fds.get(fd)?;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            // A negative minimum is a huge unsigned one.
            if arg >= k.proc(pid).nofile() {
                return Err(Errno::EINVAL.into());
            }
            Ok(k.install_fd(pid, e.ofd, arg, cmd == F_DUPFD_CLOEXEC)? as i64)
        }
        F_GETFD => Ok(e.cloexec as i64),
        F_SETFD => {
            k.proc_mut(pid).fds.set_cloexec(fd, arg & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(k.files.get(e.ofd).flags as i64),
        F_SETFL => {
            let f = k.files.get_mut(e.ofd);
            if f.flags & O_PATH != 0 {
                return Err(Errno::EBADF.into());
            }
            f.flags = (f.flags & !SETFL_MASK) | (arg & SETFL_MASK);
            Ok(0)
        }
        F_GETLK | F_OFD_GETLK => lock(k, c, true),
        F_SETLK | F_SETLKW | F_OFD_SETLK | F_OFD_SETLKW => lock(k, c, false),
        F_GETOWN | F_GETSIG => Ok(0),
        F_SETOWN | F_SETSIG => Ok(0),
        F_GETOWN_EX => {
            c.write_bytes(arg, &[0u8; F_GETOWN_EX_SIZE])?;
            Ok(0)
        }
        F_SETOWN_EX => Ok(0),
        F_GETPIPE_SZ => super::pipe::pipe_size(k, c, None),
        F_SETPIPE_SZ => super::pipe::pipe_size(k, c, Some(arg)),
        _ => Err(Errno::EINVAL.into()),
    }
}

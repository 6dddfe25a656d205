//! `pipe2` and the pipe `fcntl`s. The pipe itself is [`crate::pipe`].

use super::*;
use crate::abi::flags::*;
use crate::fd::{FileKind, OpenFile};
use crate::Kernel;

pub fn pipe2(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (fds_addr, flags) = (c.u32(0), c.u32(1));
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL.into());
    }
    // Check the destination before creating anything.
    c.read_bytes(fds_addr, 8)?;
    let pid = c.pid;
    let id = k.pipes.create();
    let name = alloc::format!("pipe:[{id}]").into_bytes();
    let status = flags & (O_NONBLOCK | O_DIRECT);
    let rd = k.files.insert(OpenFile::new(FileKind::Pipe { id, node: None }, O_RDONLY | status, name.clone()));
    let wr = k.files.insert(OpenFile::new(FileKind::Pipe { id, node: None }, O_WRONLY | status, name));
    k.pipes.open_end(id, true, false);
    k.pipes.open_end(id, false, true);
    let cloexec = flags & O_CLOEXEC != 0;
    let rfd = match k.install_fd(pid, rd, 0, cloexec) {
        Ok(fd) => fd,
        Err(e) => {
            k.discard_ofd(rd);
            k.discard_ofd(wr);
            return Err(e.into());
        }
    };
    let wfd = match k.install_fd(pid, wr, 0, cloexec) {
        Ok(fd) => fd,
        Err(e) => {
            k.close_fd(pid, rfd as i32)?;
            k.discard_ofd(wr);
            return Err(e.into());
        }
    };
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&rfd.to_le_bytes());
    b[4..].copy_from_slice(&wfd.to_le_bytes());
    c.write_bytes(fds_addr, &b)?;
    Ok(0)
}

/// `F_GETPIPE_SZ` / `F_SETPIPE_SZ` on `fd` (`EBADF` unless a pipe).
pub fn pipe_size(k: &mut Kernel, c: &mut Call, set: Option<u32>) -> SysResult {
    let o = k.fd_ofd(c.pid, c.i32(0))?;
    let id = k.files.get(o).pipe().ok_or(Errno::EBADF)?;
    let privileged = k.proc(c.pid).euid == 0;
    let p = k.pipes.get_mut(id);
    match set {
        None => Ok(p.capacity() as i64),
        Some(want) => {
            let n = p.set_capacity(want as usize, privileged)?;
            k.wake(crate::pipe::write_key(id));
            Ok(n as i64)
        }
    }
}

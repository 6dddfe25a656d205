//! Moving bytes: `read`/`write` and their vector and positioned forms,
//! `_llseek`, `sendfile`, `fadvise64_64`.
//!
//! Data passes through a bounce buffer in chunks, so a large request never
//! needs a large allocation. A read that finds standard input empty parks
//! the process on [`WaitKey::STDIN`] (unless `O_NONBLOCK`); the engine
//! retries it when input or end of file arrives. An empty pipe parks on its
//! read key. A write to a pipe moves what fits and parks on the pipe's
//! write key until the rest fits (all of it at once when at most
//! `PIPE_BUF`), remembering across retries how much it already wrote.

use alloc::vec;
use alloc::vec::Vec;

use super::fs::{io_ofd, ofd};
use super::*;
use crate::abi::flags::*;
use crate::abi::layout::IOVEC_SIZE;
use crate::engine::WaitKey;
use crate::fd::{FileKind, OfdId};
use crate::Kernel;

/// Most bytes one call moves (Linux `MAX_RW_COUNT`).
const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// Most iovecs one call takes (`IOV_MAX`).
const IOV_MAX: i32 = 1024;
const CHUNK: usize = 64 * 1024;

/// The stop for a read that found nothing: `EAGAIN` for non-blocking
/// descriptions, else a wait for standard input.
fn would_block(k: &mut Kernel, o: OfdId) -> Stop {
    if k.files.get(o).flags & O_NONBLOCK != 0 {
        return Stop::Err(Errno::EAGAIN);
    }
    if let Some(id) = k.files.get(o).pipe() {
        return Stop::Pending(Pending { key: crate::pipe::read_key(id), deadline: None });
    }
    k.host.want_input();
    Stop::Pending(Pending { key: WaitKey::STDIN, deadline: None })
}

/// Guest buffers (address, length), validated against memory, with the
/// total clipped to `MAX_RW_COUNT`.
fn buffers(c: &Call, iov: Vec<(u32, u32)>) -> Result<Vec<(u32, usize)>, Errno> {
    let mut left = MAX_RW_COUNT;
    let mut out = Vec::with_capacity(iov.len());
    for (base, len) in iov {
        let len = (len as u64).min(left);
        if base as u64 + len > c.mem.size() {
            return Err(Errno::EFAULT);
        }
        left -= len;
        out.push((base, len as usize));
    }
    Ok(out)
}

/// Reads `struct iovec[cnt]` at `addr`.
fn iovecs(c: &Call, addr: u32, cnt: i32) -> Result<Vec<(u32, u32)>, Errno> {
    if !(0..=IOV_MAX).contains(&cnt) {
        return Err(Errno::EINVAL);
    }
    let raw = c.read_bytes(addr, cnt as usize * IOVEC_SIZE)?;
    raw.chunks_exact(IOVEC_SIZE)
        .map(|v| {
            let base = u32::from_le_bytes(v[0..4].try_into().unwrap());
            let len = u32::from_le_bytes(v[4..8].try_into().unwrap());
            if len > i32::MAX as u32 {
                return Err(Errno::EINVAL);
            }
            Ok((base, len))
        })
        .collect()
}

/// A 64-bit file offset argument (`EINVAL` if negative).
fn offset(c: &Call, i: usize) -> Result<u64, Errno> {
    let off = c.u64(i);
    if off as i64 > -1 {
        Ok(off)
    } else {
        Err(Errno::EINVAL)
    }
}

/// Reads into the guest buffers, stopping at the first short read.
fn read_into(k: &mut Kernel, c: &mut Call, o: OfdId, bufs: &[(u32, usize)], at: Option<u64>) -> SysResult {
    let total: usize = bufs.iter().map(|b| b.1).sum();
    let mut bounce = vec![0u8; total.min(CHUNK)];
    let mut done = 0usize;
    let (mut seg, mut seg_off) = (0usize, 0usize);
    loop {
        let want = (total - done).min(CHUNK);
        let got = match k.read_ofd(c.pid, o, &mut bounce[..want], at.map(|a| a + done as u64)) {
            Ok(n) => n,
            Err(_) if done > 0 => break,
            Err(Errno::EAGAIN) => return Err(would_block(k, o)),
            Err(e) => return Err(e.into()),
        };
        // Scatter into the iovecs.
        let mut from = 0;
        while from < got {
            let (base, len) = bufs[seg];
            let n = (len - seg_off).min(got - from);
            c.write_bytes(base + seg_off as u32, &bounce[from..from + n])?;
            from += n;
            seg_off += n;
            if seg_off == len {
                seg += 1;
                seg_off = 0;
            }
        }
        while seg < bufs.len() && bufs[seg].1 == 0 {
            seg += 1;
        }
        done += got;
        if got < want || done == total {
            break;
        }
    }
    Ok(done as i64)
}

/// Copies up to `max` bytes of the guest buffers, starting `skip` bytes in.
fn gather(c: &Call, bufs: &[(u32, usize)], mut skip: usize, max: usize, out: &mut Vec<u8>) -> Result<(), Errno> {
    out.clear();
    for &(base, len) in bufs {
        if skip >= len {
            skip -= len;
            continue;
        }
        let n = (len - skip).min(max - out.len());
        let start = out.len();
        out.resize(start + n, 0);
        c.mem.read(base + skip as u32, &mut out[start..])?;
        skip = 0;
        if out.len() == max {
            break;
        }
    }
    Ok(())
}

/// A write to a pipe: all of it before returning (waiting for room as
/// needed, progress kept in `Process::io_done` across retries), or what
/// fit for `O_NONBLOCK`. At most `PIPE_BUF` bytes go in at once or not at
/// all.
fn pipe_write(k: &mut Kernel, c: &mut Call, o: OfdId, id: u32, bufs: &[(u32, usize)]) -> SysResult {
    let total: usize = bufs.iter().map(|b| b.1).sum();
    if total == 0 {
        return Ok(0);
    }
    let pid = c.pid;
    let mut done = if c.retry { k.proc(pid).io_done } else { 0 };
    let atomic = total <= crate::pipe::PIPE_BUF;
    let mut chunk = Vec::new();
    while done < total {
        gather(c, bufs, done, (total - done).min(CHUNK), &mut chunk)?;
        match k.write_ofd_atomic(pid, o, &chunk, None, atomic) {
            Ok(n) => done += n,
            Err(Errno::EAGAIN) => {
                if k.files.get(o).flags & O_NONBLOCK != 0 {
                    k.proc_mut(pid).io_done = 0;
                    return if done > 0 { Ok(done as i64) } else { Err(Errno::EAGAIN.into()) };
                }
                k.proc_mut(pid).io_done = done;
                return Err(Stop::Pending(Pending { key: crate::pipe::write_key(id), deadline: None }));
            }
            Err(_) if done > 0 => break,
            Err(e) => return Err(e.into()),
        }
    }
    k.proc_mut(pid).io_done = 0;
    Ok(done as i64)
}

/// Writes from the guest buffers, stopping at the first short write.
fn write_from(k: &mut Kernel, c: &mut Call, o: OfdId, bufs: &[(u32, usize)], at: Option<u64>) -> SysResult {
    if let (Some(id), None) = (k.files.get(o).pipe(), at) {
        if k.files.get(o).writable() {
            return pipe_write(k, c, o, id, bufs);
        }
    }
    let total: usize = bufs.iter().map(|b| b.1).sum();
    let mut done = 0usize;
    let mut chunk = Vec::with_capacity(total.min(CHUNK));
    let (mut seg, mut seg_off) = (0usize, 0usize);
    loop {
        // Gather the next chunk.
        chunk.clear();
        while chunk.len() < CHUNK && seg < bufs.len() {
            let (base, len) = bufs[seg];
            let n = (len - seg_off).min(CHUNK - chunk.len());
            let start = chunk.len();
            chunk.resize(start + n, 0);
            c.mem.read(base + seg_off as u32, &mut chunk[start..])?;
            seg_off += n;
            if seg_off == len {
                seg += 1;
                seg_off = 0;
            }
        }
        let put = match k.write_ofd(c.pid, o, &chunk, at.map(|a| a + done as u64)) {
            Ok(n) => n,
            Err(_) if done > 0 => break,
            Err(e) => return Err(e.into()),
        };
        done += put;
        if put < chunk.len() || done == total {
            break;
        }
    }
    Ok(done as i64)
}

pub fn read(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = ofd(k, c, c.i32(0))?;
    let bufs = buffers(c, vec![(c.u32(1), c.u32(2))])?;
    read_into(k, c, o, &bufs, None)
}

pub fn write(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = ofd(k, c, c.i32(0))?;
    let bufs = buffers(c, vec![(c.u32(1), c.u32(2))])?;
    write_from(k, c, o, &bufs, None)
}

pub fn readv(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = ofd(k, c, c.i32(0))?;
    let bufs = buffers(c, iovecs(c, c.u32(1), c.i32(2))?)?;
    read_into(k, c, o, &bufs, None)
}

pub fn writev(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = ofd(k, c, c.i32(0))?;
    let bufs = buffers(c, iovecs(c, c.u32(1), c.i32(2))?)?;
    write_from(k, c, o, &bufs, None)
}

pub fn pread64(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = ofd(k, c, c.i32(0))?;
    let at = offset(c, 3)?;
    let bufs = buffers(c, vec![(c.u32(1), c.u32(2))])?;
    read_into(k, c, o, &bufs, Some(at))
}

pub fn pwrite64(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = ofd(k, c, c.i32(0))?;
    let at = offset(c, 3)?;
    let bufs = buffers(c, vec![(c.u32(1), c.u32(2))])?;
    write_from(k, c, o, &bufs, Some(at))
}

pub fn preadv(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = ofd(k, c, c.i32(0))?;
    let at = offset(c, 3)?;
    let bufs = buffers(c, iovecs(c, c.u32(1), c.i32(2))?)?;
    read_into(k, c, o, &bufs, Some(at))
}

pub fn pwritev(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = ofd(k, c, c.i32(0))?;
    let at = offset(c, 3)?;
    let bufs = buffers(c, iovecs(c, c.u32(1), c.i32(2))?)?;
    write_from(k, c, o, &bufs, Some(at))
}

/// `_llseek(fd, offset_hi, offset_lo, *result, whence)`.
pub fn _llseek(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = ofd(k, c, c.i32(0))?;
    let off = ((c.u32(1) as u64) << 32 | c.u32(2) as u64) as i64;
    let pos = k.seek_ofd(c.pid, o, off, c.u32(4))?;
    c.write_u64(c.u32(3), pos)?;
    Ok(0)
}

/// `sendfile(out, in, *offset, count)`: copies through the kernel. With an
/// offset pointer the input's position is left alone and the pointer
/// advances instead.
pub fn sendfile(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (out, inp, off_ptr, count) = (c.i32(0), c.i32(1), c.u32(2), c.u32(3) as u64);
    let (oi, oo) = (io_ofd(k, c, inp)?, io_ofd(k, c, out)?);
    let (fi, fo) = (k.files.get(oi), k.files.get(oo));
    if !fi.readable() || !fo.writable() {
        return Err(Errno::EBADF.into());
    }
    if fo.flags & O_APPEND != 0 {
        return Err(Errno::EINVAL.into());
    }
    if let FileKind::Node(n) = fi.kind {
        if crate::vfs::path::is_dir(&k.stat_node(c.pid, n)?) {
            return Err(Errno::EINVAL.into());
        }
    }
    let mut at = if off_ptr != 0 {
        let v = c.read_u64(off_ptr)?;
        if (v as i64) < 0 {
            return Err(Errno::EINVAL.into());
        }
        Some(v)
    } else {
        None
    };
    let total = count.min(MAX_RW_COUNT) as usize;
    let mut buf = vec![0u8; total.min(CHUNK)];
    let mut done = 0usize;
    while done < total {
        let want = (total - done).min(CHUNK);
        let got = match k.read_ofd(c.pid, oi, &mut buf[..want], at) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) if done > 0 => break,
            Err(Errno::EAGAIN) => return Err(would_block(k, oi)),
            Err(e) => return Err(e.into()),
        };
        let put = match k.write_ofd(c.pid, oo, &buf[..got], None) {
            Ok(n) => n,
            Err(_) if done > 0 => break,
            Err(e) => return Err(e.into()),
        };
        done += put;
        at = at.map(|a| a + put as u64);
        if put < got || got < want {
            break;
        }
    }
    if let Some(a) = at {
        c.write_u64(off_ptr, a)?;
    }
    Ok(done as i64)
}

/// Advice is accepted and ignored, after Linux's argument checks.
pub fn fadvise64_64(k: &mut Kernel, c: &mut Call) -> SysResult {
    let o = io_ofd(k, c, c.i32(0))?;
    if (c.u64(3) as i64) < 0 || c.u32(5) > 5 {
        return Err(Errno::EINVAL.into());
    }
    if let FileKind::Device { dev, .. } = k.files.get(o).kind {
        if !crate::file::seekable_device(dev) {
            return Err(Errno::ESPIPE.into());
        }
    }
    Ok(0)
}

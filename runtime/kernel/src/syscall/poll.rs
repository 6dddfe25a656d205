//! `ppoll` and `pselect6`: files and devices are always ready; standard
//! input is ready when the kernel holds input for it or it reached end of
//! file; a pipe's read end when it holds data (`POLLHUP` once every writer
//! closed), its write end when `PIPE_BUF` bytes fit (`POLLERR` once every
//! reader closed).
//!
//! A call with nothing ready waits until its deadline (kept in the process
//! across retries like a sleep) for the keys of what it watches: on that
//! key when there is one, on [`WaitKey::process`] registered in
//! `Process::poll_keys` when there are several (the kernel's `wake` then
//! wakes the process key too), else on the timer. A signal mask argument
//! replaces the mask for the duration of the call, as `rt_sigsuspend` does
//! (the kernel restores it when the call completes, or after the handler
//! of the signal that interrupted it).

use alloc::vec::Vec;

use super::*;
use crate::abi::layout::TIMESPEC_SIZE;
use crate::dev::Device;
use crate::engine::{StreamKind, WaitKey};
use crate::fd::FileKind;
use crate::Kernel;

const POLLIN: u16 = 0x001;
const POLLPRI: u16 = 0x002;
const POLLOUT: u16 = 0x004;
const POLLERR: u16 = 0x008;
const POLLHUP: u16 = 0x010;
const POLLNVAL: u16 = 0x020;
const POLLRDNORM: u16 = 0x040;
const POLLWRNORM: u16 = 0x100;
const POLLFD_SIZE: usize = 8;

/// What a descriptor may become ready through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Never,
    Stdin,
    Pipe(u32, bool),
}

/// Readiness of one descriptor: the events it has now, and what could
/// change them later.
fn readiness(k: &Kernel, pid: u32, fd: i32) -> Option<(u16, Source)> {
    let e = k.proc(pid).fds.get(fd).ok()?;
    let f = k.files.get(e.ofd);
    let always = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
    let stdin = match f.kind {
        FileKind::Node(_) => return Some((always, Source::Never)),
        FileKind::Pipe { id, .. } => {
            let p = k.pipes.get(id);
            let mut ev = 0;
            if f.readable() {
                if !p.is_empty() {
                    ev |= POLLIN | POLLRDNORM;
                }
                if p.writers == 0 {
                    ev |= POLLHUP;
                }
            }
            if f.writable() {
                if p.free() >= crate::pipe::PIPE_BUF.min(p.capacity()) {
                    ev |= POLLOUT | POLLWRNORM;
                }
                if p.readers == 0 {
                    ev |= POLLERR;
                }
            }
            return Some((ev, Source::Pipe(id, f.readable())));
        }
        FileKind::Device { dev: Device::Tty | Device::HostStream(0), .. } => true,
        FileKind::Device { dev: Device::HostStream(s), .. } => k.host.stream_kind(s) == StreamKind::Tty && f.readable(),
        FileKind::Device { .. } => return Some((always, Source::Never)),
    };
    if !stdin {
        return Some((POLLOUT | POLLWRNORM, Source::Never));
    }
    let mut ev = POLLOUT | POLLWRNORM;
    if k.stdin_available() > 0 || k.stdin.eof {
        ev |= POLLIN | POLLRDNORM;
    }
    if k.stdin.eof && k.host.stream_kind(0) == StreamKind::Pipe {
        ev |= POLLHUP;
    }
    Some((ev, Source::Stdin))
}

/// The keys that could make a waiting poll ready: `source` watched for
/// input (`read`) and/or output.
fn watch(keys: &mut Vec<WaitKey>, source: Source, read: bool, write: bool) {
    let key = match source {
        Source::Stdin if read => WaitKey::STDIN,
        Source::Pipe(id, true) if read => crate::pipe::read_key(id),
        Source::Pipe(id, false) if write => crate::pipe::write_key(id),
        _ => return,
    };
    if !keys.contains(&key) {
        keys.push(key);
    }
}

/// The monotonic deadline of a timeout at `addr` (`None` = forever), fixed
/// on the first attempt and reused on retries.
pub(super) fn deadline(k: &mut Kernel, c: &Call, addr: u32) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let pid = c.pid;
    if c.retry {
        if let Some(d) = k.proc(pid).sleep_deadline {
            return Ok(Some(d));
        }
    }
    let mut b = [0u8; TIMESPEC_SIZE];
    c.mem.read(addr, &mut b)?;
    let t = crate::abi::layout::Timespec::decode(&b).filter(|t| t.sec >= 0).ok_or(Errno::EINVAL)?;
    let d = k.host.monotonic_ns().saturating_add(t.as_nanos().min(u64::MAX as i128) as u64);
    k.proc_mut(pid).sleep_deadline = Some(d);
    Ok(Some(d))
}

/// Nothing ready: return 0 at the deadline, else wait for `keys`.
fn wait(k: &mut Kernel, pid: u32, deadline: Option<u64>, keys: Vec<WaitKey>) -> SysResult {
    if let Some(d) = deadline {
        if k.host.monotonic_ns() >= d {
            k.proc_mut(pid).sleep_deadline = None;
            return Ok(0);
        }
    }
    if keys.contains(&WaitKey::STDIN) {
        k.host.want_input();
    }
    let key = match keys.len() {
        0 => WaitKey::TIMER,
        1 => keys[0],
        _ => {
            k.proc_mut(pid).poll_keys = keys;
            WaitKey::process(pid)
        }
    };
    Err(Stop::Pending(Pending { key, deadline }))
}

/// Installs the temporary signal mask at `addr` (if any) on the first
/// attempt.
fn swap_mask(k: &mut Kernel, c: &Call, addr: u32, size: u32) -> Result<(), Errno> {
    let pid = c.pid;
    if addr == 0 || (c.retry && k.proc(pid).signals.saved_mask.is_some()) {
        return Ok(());
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let new = c.read_u64(addr)?;
    let s = &mut k.proc_mut(pid).signals;
    s.saved_mask = Some(s.mask);
    s.mask = new & !crate::signal::UNBLOCKABLE;
    k.act_on_unblocked(pid);
    Ok(())
}

pub fn ppoll(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (addr, nfds, tmo) = (c.u32(0), c.u32(1), c.u32(2));
    let pid = c.pid;
    if nfds > k.proc(pid).nofile() {
        return Err(Errno::EINVAL.into());
    }
    let deadline = deadline(k, c, tmo)?;
    swap_mask(k, c, c.u32(3), c.u32(4))?;
    let mut raw = c.read_bytes(addr, nfds as usize * POLLFD_SIZE)?;
    let (mut ready, mut keys) = (0, Vec::new());
    for p in raw.chunks_exact_mut(POLLFD_SIZE) {
        let fd = i32::from_le_bytes(p[0..4].try_into().unwrap());
        let events = u16::from_le_bytes(p[4..6].try_into().unwrap());
        let revents = if fd < 0 {
            0
        } else {
            match readiness(k, pid, fd) {
                None => POLLNVAL,
                Some((ev, source)) => {
                    watch(&mut keys, source, events & (POLLIN | POLLRDNORM | POLLPRI) != 0, events & (POLLOUT | POLLWRNORM) != 0);
                    ev & (events | POLLERR | POLLHUP)
                }
            }
        };
        if revents != 0 {
            ready += 1;
        }
        p[6..8].copy_from_slice(&revents.to_le_bytes());
    }
    if ready > 0 {
        k.proc_mut(pid).sleep_deadline = None;
        c.write_bytes(addr, &raw)?;
        return Ok(ready);
    }
    c.write_bytes(addr, &raw)?;
    wait(k, pid, deadline, keys)
}

/// Reads an `fd_set` of `nfds` bits (32-bit words), or `None` for NULL.
fn read_set(c: &Call, addr: u32, nfds: usize) -> Result<Option<Vec<u32>>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let raw = c.read_bytes(addr, nfds.div_ceil(32) * 4)?;
    Ok(Some(raw.chunks_exact(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect()))
}

pub fn pselect6(k: &mut Kernel, c: &mut Call) -> SysResult {
    let nfds = c.i32(0);
    let pid = c.pid;
    if nfds < 0 || nfds as u32 > k.proc(pid).nofile() {
        return Err(Errno::EINVAL.into());
    }
    let n = nfds as usize;
    let sets = [read_set(c, c.u32(1), n)?, read_set(c, c.u32(2), n)?, read_set(c, c.u32(3), n)?];
    let deadline = deadline(k, c, c.u32(4))?;
    // The sixth argument points at `{ const sigset_t *ss; size_t ss_len }`.
    if c.u32(5) != 0 {
        let (ss, len) = (c.read_u32(c.u32(5))?, c.read_u32(c.u32(5) + 4)?);
        swap_mask(k, c, ss, len)?;
    }
    let mut out: [Option<Vec<u32>>; 3] = [None, None, None];
    let (mut ready, mut keys) = (0i64, Vec::new());
    for (i, set) in sets.iter().enumerate() {
        let Some(words) = set else { continue };
        let mut res = alloc::vec![0u32; words.len()];
        for fd in 0..n {
            if words[fd / 32] & (1 << (fd % 32)) == 0 {
                continue;
            }
            let (ev, source) = readiness(k, pid, fd as i32).ok_or(Errno::EBADF)?;
            watch(&mut keys, source, i == 0, i == 1);
            let hit = match i {
                0 => ev & (POLLIN | POLLHUP | POLLERR) != 0,
                1 => ev & (POLLOUT | POLLERR) != 0,
                _ => ev & POLLPRI != 0,
            };
            if hit {
                res[fd / 32] |= 1 << (fd % 32);
                ready += 1;
            }
        }
        out[i] = Some(res);
    }
    if ready == 0 {
        // Returns only once the deadline has passed.
        wait(k, pid, deadline, keys)?;
    }
    k.proc_mut(pid).sleep_deadline = None;
    for (i, set) in out.iter().enumerate() {
        if let Some(words) = set {
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            c.write_bytes(c.u32(1 + i), &bytes)?;
        }
    }
    Ok(ready)
}

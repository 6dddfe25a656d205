//! Pipes: a bounded byte ring shared by the descriptions of its two ends.
//!
//! A pipe lives in [`Pipes`] while any description refers to it. Reader
//! and writer counts follow open descriptions (not descriptors): `dup` and
//! `fork` share a description and leave them alone; the count drops when
//! the last descriptor of a description closes ([`crate::Kernel::drop_ofd`]).
//!
//! Nothing here blocks. An empty read or a full write fails with `EAGAIN`;
//! the syscall layer turns that into a pending wait on [`read_key`] or
//! [`write_key`] unless the description is `O_NONBLOCK`. Every state change
//! reports the keys it makes worth retrying.

use alloc::collections::{BTreeMap, VecDeque};

use crate::abi::errno::Errno;
use crate::engine::WaitKey;
use crate::KResult;

/// Writes of at most this many bytes are atomic (`PIPE_BUF`).
pub const PIPE_BUF: usize = 4096;
/// Capacity of a new pipe (Linux: 16 pages).
pub const DEFAULT_CAPACITY: usize = 64 * 1024;
/// Largest capacity `F_SETPIPE_SZ` grants an unprivileged process
/// (`/proc/sys/fs/pipe-max-size`).
pub const MAX_CAPACITY: usize = 1 << 20;
/// Largest capacity even root may ask for.
pub const ROOT_MAX_CAPACITY: usize = 1 << 26;

/// Namespace tag of pipe wait keys.
const KEY_TAG: u64 = 1 << 56;

/// Readers wait here for data or for the last writer to go.
pub fn read_key(id: u32) -> WaitKey {
    WaitKey(KEY_TAG | (id as u64) << 1)
}

/// Writers wait here for room or for the last reader to go.
pub fn write_key(id: u32) -> WaitKey {
    WaitKey(KEY_TAG | (id as u64) << 1 | 1)
}

/// One pipe.
#[derive(Debug)]
pub struct Pipe {
    buf: VecDeque<u8>,
    capacity: usize,
    /// Open descriptions that can read / write it.
    pub readers: u32,
    pub writers: u32,
    /// Read / write opens ever, so a FIFO open waiting for a partner sees
    /// one that came and went.
    pub read_opens: u32,
    pub write_opens: u32,
}

impl Pipe {
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    pub fn free(&self) -> usize {
        self.capacity - self.buf.len()
    }

    /// Takes up to `out.len()` bytes. `Ok(0)` is end of file (no writers
    /// left); `EAGAIN` means empty with writers still open.
    pub fn read(&mut self, out: &mut [u8]) -> KResult<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.buf.is_empty() {
            return if self.writers == 0 { Ok(0) } else { Err(Errno::EAGAIN) };
        }
        let n = out.len().min(self.buf.len());
        for (o, b) in out.iter_mut().zip(self.buf.drain(..n)) {
            *o = b;
        }
        Ok(n)
    }

    /// Adds bytes from `data`. `atomic` (a whole write of at most
    /// `PIPE_BUF`) puts all or nothing. `EPIPE` when no reader is left,
    /// `EAGAIN` when nothing fits.
    pub fn write(&mut self, data: &[u8], atomic: bool) -> KResult<usize> {
        if self.readers == 0 {
            return Err(Errno::EPIPE);
        }
        if data.is_empty() {
            return Ok(0);
        }
        let free = self.free();
        if free == 0 || (atomic && free < data.len()) {
            return Err(Errno::EAGAIN);
        }
        let n = data.len().min(free);
        self.buf.extend(data[..n].iter().copied());
        Ok(n)
    }

    /// `F_SETPIPE_SZ`: rounds up to a power of two of pages; `EBUSY` if the
    /// data held would not fit.
    pub fn set_capacity(&mut self, want: usize, privileged: bool) -> KResult<usize> {
        let limit = if privileged { ROOT_MAX_CAPACITY } else { MAX_CAPACITY };
        if want > limit {
            return Err(if privileged { Errno::EINVAL } else { Errno::EPERM });
        }
        let size = want.max(PIPE_BUF).next_power_of_two();
        if size < self.buf.len() {
            return Err(Errno::EBUSY);
        }
        self.capacity = size;
        Ok(size)
    }
}

/// Every live pipe, by id.
#[derive(Default)]
pub struct Pipes {
    pipes: BTreeMap<u32, Pipe>,
    next: u32,
}

impl Pipes {
    /// A new empty pipe with no readers or writers yet.
    pub fn create(&mut self) -> u32 {
        self.next += 1;
        while self.pipes.contains_key(&self.next) {
            self.next += 1;
        }
        self.pipes.insert(
            self.next,
            Pipe { buf: VecDeque::new(), capacity: DEFAULT_CAPACITY, readers: 0, writers: 0, read_opens: 0, write_opens: 0 },
        );
        self.next
    }
    pub fn get(&self, id: u32) -> &Pipe {
        self.pipes.get(&id).expect("dangling pipe id")
    }
    pub fn get_mut(&mut self, id: u32) -> &mut Pipe {
        self.pipes.get_mut(&id).expect("dangling pipe id")
    }
    /// A description opened an end (`read`/`write` say which).
    pub fn open_end(&mut self, id: u32, read: bool, write: bool) {
        let p = self.get_mut(id);
        p.readers += read as u32;
        p.writers += write as u32;
        p.read_opens = p.read_opens.wrapping_add(read as u32);
        p.write_opens = p.write_opens.wrapping_add(write as u32);
    }
    /// Drops a pipe no description refers to.
    pub fn remove(&mut self, id: u32) {
        self.pipes.remove(&id);
    }
    pub fn contains(&self, id: u32) -> bool {
        self.pipes.contains_key(&id)
    }
    /// A description of an end closed. Returns the keys to wake; frees the
    /// pipe when nothing refers to it any more.
    pub fn close_end(&mut self, id: u32, read: bool, write: bool) -> [Option<WaitKey>; 2] {
        let p = self.get_mut(id);
        p.readers -= read as u32;
        p.writers -= write as u32;
        let wake = [(read && p.readers == 0).then(|| write_key(id)), (write && p.writers == 0).then(|| read_key(id))];
        if p.readers == 0 && p.writers == 0 {
            self.pipes.remove(&id);
        }
        wake
    }
    pub fn live(&self) -> usize {
        self.pipes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_semantics() {
        let mut ps = Pipes::default();
        let id = ps.create();
        ps.open_end(id, true, false);
        ps.open_end(id, false, true);
        let p = ps.get_mut(id);
        let mut out = [0u8; 8];
        assert_eq!(p.read(&mut out), Err(Errno::EAGAIN));
        assert_eq!(p.write(b"hello", true), Ok(5));
        assert_eq!(p.read(&mut out[..3]), Ok(3));
        assert_eq!(&out[..3], b"hel");
        assert_eq!(p.set_capacity(1, false), Ok(4096));
        assert_eq!(p.set_capacity(5000, false), Ok(8192));
        assert_eq!(p.set_capacity(2 << 20, false), Err(Errno::EPERM));
        let big = [7u8; 9000];
        assert_eq!(p.write(&big, false), Ok(8192 - 2));
        assert_eq!(p.write(b"x", true), Err(Errno::EAGAIN));
        assert_eq!(p.set_capacity(4096, false), Err(Errno::EBUSY));
        assert_eq!(ps.close_end(id, false, true), [None, Some(read_key(id))]);
        assert_eq!(ps.close_end(id, true, false), [Some(write_key(id)), None]);
        assert_eq!(ps.live(), 0);
    }
}

//! Syscall handlers, one file per family, dispatched by [`table`].
//!
//! Handlers are thin: decode arguments from [`Call`], call into the
//! subsystem (`vfs`, `fd`, `mm`, `process`), encode the result.

use alloc::vec;
use alloc::vec::Vec;

use crate::abi::errno::Errno;
use crate::engine::{ExitStatus, Memory, Pending};

pub mod attr;
pub mod fdops;
pub mod fs;
pub mod info;
pub mod link;
pub mod mem;
pub mod pipe;
pub mod poll;
pub mod proc;
pub mod rw;
pub mod signal;
pub mod spawn;
pub mod stat;
pub mod table;
pub mod time;
pub mod tty;
pub mod wait;

/// Longest path a syscall accepts, including the NUL (Linux `PATH_MAX`).
pub const PATH_MAX: usize = 4096;

/// One syscall in flight.
pub struct Call<'a> {
    pub pid: u32,
    pub mem: &'a mut dyn Memory,
    pub args: [u32; 6],
    /// Set when the engine re-runs a call that returned pending.
    pub retry: bool,
}

/// Why a handler did not return a value.
#[derive(Debug)]
pub enum Stop {
    Err(Errno),
    Pending(Pending),
    Exit(ExitStatus),
}

impl From<Errno> for Stop {
    fn from(e: Errno) -> Self {
        Stop::Err(e)
    }
}

/// What handlers return.
pub type SysResult = Result<i64, Stop>;

impl Call<'_> {
    pub fn u32(&self, i: usize) -> u32 {
        self.args[i]
    }
    pub fn i32(&self, i: usize) -> i32 {
        self.args[i] as i32
    }
    /// A 64-bit value in registers `i` (low) and `i + 1` (high).
    pub fn u64(&self, i: usize) -> u64 {
        self.args[i] as u64 | (self.args[i + 1] as u64) << 32
    }
    /// A NUL-terminated string at the address in register `i`.
    pub fn path(&self, i: usize) -> Result<Vec<u8>, Errno> {
        read_cstr(self.mem, self.args[i], PATH_MAX)
    }
    pub fn read_bytes(&self, addr: u32, len: usize) -> Result<Vec<u8>, Errno> {
        let mut v = vec![0u8; len];
        self.mem.read(addr, &mut v)?;
        Ok(v)
    }
    pub fn read_u32(&self, addr: u32) -> Result<u32, Errno> {
        let mut b = [0u8; 4];
        self.mem.read(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    pub fn read_u64(&self, addr: u32) -> Result<u64, Errno> {
        let mut b = [0u8; 8];
        self.mem.read(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    pub fn write_bytes(&mut self, addr: u32, data: &[u8]) -> Result<(), Errno> {
        self.mem.write(addr, data)
    }
    pub fn write_u32(&mut self, addr: u32, v: u32) -> Result<(), Errno> {
        self.mem.write(addr, &v.to_le_bytes())
    }
    pub fn write_u64(&mut self, addr: u32, v: u64) -> Result<(), Errno> {
        self.mem.write(addr, &v.to_le_bytes())
    }
}

/// Reads a NUL-terminated string of at most `max` bytes (with the NUL);
/// `ENAMETOOLONG` past that, `EFAULT` outside memory.
pub fn read_cstr(mem: &dyn Memory, addr: u32, max: usize) -> Result<Vec<u8>, Errno> {
    if addr == 0 {
        return Err(Errno::EFAULT);
    }
    let mut out = Vec::new();
    let mut chunk = [0u8; 64];
    let mut a = addr as u64;
    let size = mem.size();
    loop {
        if a >= size {
            return Err(Errno::EFAULT);
        }
        let n = ((size - a) as usize).min(chunk.len());
        mem.read(a as u32, &mut chunk[..n])?;
        if let Some(z) = chunk[..n].iter().position(|&c| c == 0) {
            out.extend_from_slice(&chunk[..z]);
            if out.len() >= max {
                return Err(Errno::ENAMETOOLONG);
            }
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
        if out.len() >= max {
            return Err(Errno::ENAMETOOLONG);
        }
        a += n as u64;
    }
}

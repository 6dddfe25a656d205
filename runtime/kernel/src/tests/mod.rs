//! Syscall tests for the VFS and the file syscalls, run on the
//! single-threaded test engine ([`Harness`]). Expected errno values were
//! checked against Linux (tmpfs) with small native C programs.

use alloc::vec::Vec;

use crate::abi::flags::*;
use crate::abi::layout::{Stat, Timespec};
use crate::abi::syscalls::nr;
use crate::testutil::Harness;
use crate::Errno;

mod dir;
mod fdops;
mod path;
mod pipe;
mod proc;
mod process;
mod rw;
mod stat;

/// `-errno` as a syscall returns it.
pub fn e(err: Errno) -> i64 {
    err.neg()
}

pub fn at(h: &mut Harness, nr: u32, path: &str, rest: &[u32]) -> i64 {
    let p = h.cstr(path);
    let mut a = alloc::vec![AT_FDCWD as u32, p];
    a.extend_from_slice(rest);
    h.sys(nr, &a)
}

pub fn open(h: &mut Harness, path: &str, flags: u32, mode: u32) -> i64 {
    at(h, nr::openat, path, &[flags, mode])
}

pub fn close(h: &mut Harness, fd: i64) -> i64 {
    h.sys(nr::close, &[fd as u32])
}

pub fn write(h: &mut Harness, fd: i64, data: &[u8]) -> i64 {
    let b = h.put(data);
    h.sys(nr::write, &[fd as u32, b, data.len() as u32])
}

/// Reads up to `n` bytes; the bytes, or the error value.
pub fn read(h: &mut Harness, fd: i64, n: usize) -> Result<Vec<u8>, i64> {
    let b = h.alloc(n);
    match h.sys(nr::read, &[fd as u32, b, n as u32]) {
        r if r < 0 => Err(r),
        r => Ok(h.bytes(b, r as usize)),
    }
}

/// `lseek` through `_llseek`: the new position or the error.
pub fn seek(h: &mut Harness, fd: i64, off: i64, whence: u32) -> i64 {
    let res = h.alloc(8);
    let off = off as u64;
    match h.sys(nr::_llseek, &[fd as u32, (off >> 32) as u32, off as u32, res, whence]) {
        0 => h.u64_at(res) as i64,
        r => r,
    }
}

pub fn mkdir(h: &mut Harness, path: &str, mode: u32) -> i64 {
    at(h, nr::mkdirat, path, &[mode])
}

pub fn unlink(h: &mut Harness, path: &str) -> i64 {
    at(h, nr::unlinkat, path, &[0])
}

pub fn rmdir(h: &mut Harness, path: &str) -> i64 {
    at(h, nr::unlinkat, path, &[AT_REMOVEDIR])
}

pub fn rename(h: &mut Harness, from: &str, to: &str) -> i64 {
    rename2(h, from, to, 0)
}

pub fn rename2(h: &mut Harness, from: &str, to: &str, flags: u32) -> i64 {
    let (f, t) = (h.cstr(from), h.cstr(to));
    h.sys(nr::renameat2, &[AT_FDCWD as u32, f, AT_FDCWD as u32, t, flags])
}

pub fn symlink(h: &mut Harness, target: &str, path: &str) -> i64 {
    let (t, p) = (h.cstr(target), h.cstr(path));
    h.sys(nr::symlinkat, &[t, AT_FDCWD as u32, p])
}

pub fn link(h: &mut Harness, from: &str, to: &str, flags: u32) -> i64 {
    let (f, t) = (h.cstr(from), h.cstr(to));
    h.sys(nr::linkat, &[AT_FDCWD as u32, f, AT_FDCWD as u32, t, flags])
}

pub fn readlink(h: &mut Harness, path: &str, size: u32) -> Result<Vec<u8>, i64> {
    let b = h.alloc(size.max(1) as usize);
    match at(h, nr::readlinkat, path, &[b, size]) {
        r if r < 0 => Err(r),
        r => Ok(h.bytes(b, r as usize)),
    }
}

pub fn chdir(h: &mut Harness, path: &str) -> i64 {
    let p = h.cstr(path);
    h.sys(nr::chdir, &[p])
}

pub fn getcwd(h: &mut Harness) -> Vec<u8> {
    let b = h.alloc(256);
    let n = h.sys(nr::getcwd, &[b, 256]);
    assert!(n > 0, "getcwd failed: {n}");
    h.bytes(b, n as usize - 1)
}

/// Decodes a `struct stat` written by the kernel.
pub fn decode_stat(h: &Harness, a: u32) -> Stat {
    let ts = |off: u32| Timespec { sec: h.u64_at(a + off) as i64, nsec: h.u32_at(a + off + 8) };
    Stat {
        dev: h.u64_at(a),
        ino: h.u64_at(a + 8),
        mode: h.u32_at(a + 16),
        nlink: h.u32_at(a + 20),
        uid: h.u32_at(a + 24),
        gid: h.u32_at(a + 28),
        rdev: h.u64_at(a + 32),
        size: h.u64_at(a + 40) as i64,
        blksize: h.u32_at(a + 48) as i32,
        blocks: h.u64_at(a + 56) as i64,
        atime: ts(64),
        mtime: ts(80),
        ctime: ts(96),
    }
}

pub fn stat_flags(h: &mut Harness, path: &str, flags: u32) -> Result<Stat, i64> {
    let b = h.alloc(120);
    match at(h, nr::newfstatat, path, &[b, flags]) {
        0 => Ok(decode_stat(h, b)),
        r => Err(r),
    }
}

pub fn stat(h: &mut Harness, path: &str) -> Result<Stat, i64> {
    stat_flags(h, path, 0)
}

pub fn lstat(h: &mut Harness, path: &str) -> Result<Stat, i64> {
    stat_flags(h, path, AT_SYMLINK_NOFOLLOW)
}

pub fn fstat(h: &mut Harness, fd: i64) -> Result<Stat, i64> {
    let b = h.alloc(120);
    match h.sys(nr::fstat, &[fd as u32, b]) {
        0 => Ok(decode_stat(h, b)),
        r => Err(r),
    }
}

/// One decoded `struct linux_dirent64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirent {
    pub ino: u64,
    pub off: i64,
    pub kind: u8,
    pub name: Vec<u8>,
}

/// One `getdents64` call with a `size`-byte buffer.
pub fn getdents(h: &mut Harness, fd: i64, size: usize) -> Result<Vec<Dirent>, i64> {
    let b = h.alloc(size);
    let n = h.sys(nr::getdents64, &[fd as u32, b, size as u32]);
    if n < 0 {
        return Err(n);
    }
    let raw = h.bytes(b, n as usize);
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let reclen = u16::from_le_bytes([raw[i + 16], raw[i + 17]]) as usize;
        assert_eq!(reclen % 8, 0, "reclen is 8-aligned");
        let name = &raw[i + 19..i + reclen];
        let name = name[..name.iter().position(|&c| c == 0).expect("NUL-terminated name")].to_vec();
        out.push(Dirent {
            ino: u64::from_le_bytes(raw[i..i + 8].try_into().unwrap()),
            off: i64::from_le_bytes(raw[i + 8..i + 16].try_into().unwrap()),
            kind: raw[i + 18],
            name,
        });
        i += reclen;
    }
    Ok(out)
}

/// Every name in the directory at `path`, `.` and `..` included.
pub fn list(h: &mut Harness, path: &str) -> Vec<Vec<u8>> {
    let fd = open(h, path, O_RDONLY | O_DIRECTORY, 0);
    assert!(fd >= 0, "open {path}: {fd}");
    let mut names = Vec::new();
    loop {
        let ents = getdents(h, fd, 4096).expect("getdents64");
        if ents.is_empty() {
            break;
        }
        names.extend(ents.into_iter().map(|d| d.name));
    }
    close(h, fd);
    names
}

pub fn write_file(h: &mut Harness, path: &str, data: &[u8]) {
    let fd = open(h, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
    assert!(fd >= 0, "create {path}: {fd}");
    assert_eq!(write(h, fd, data), data.len() as i64);
    close(h, fd);
}

pub fn read_file(h: &mut Harness, path: &str) -> Result<Vec<u8>, i64> {
    let fd = open(h, path, O_RDONLY, 0);
    if fd < 0 {
        return Err(fd);
    }
    let mut out = Vec::new();
    loop {
        let chunk = read(h, fd, 4096)?;
        if chunk.is_empty() {
            break;
        }
        out.extend_from_slice(&chunk);
    }
    close(h, fd);
    Ok(out)
}

/// Advances the fake real-time clock.
pub fn tick(h: &mut Harness, secs: u64) {
    h.host.lock().unwrap().real_ns += secs * 1_000_000_000;
}

//! Thin, safe wrappers over the `*at` system calls hostfs uses. Every call
//! that takes a name operates on one directory entry of an already open
//! directory descriptor and never follows a symlink in it.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use wasmos_kernel::abi::layout::Timespec;
use wasmos_kernel::{Errno, KResult};

/// The errno of the last failed libc call.
pub fn last_errno() -> Errno {
    io_errno(&io::Error::last_os_error())
}

/// An I/O error as an errno (on Linux the raw value is the Linux value).
pub fn io_errno(e: &io::Error) -> Errno {
    match e.raw_os_error() {
        Some(n) if (1..4096).contains(&n) => Errno(n as u16),
        _ => Errno::EIO,
    }
}

/// Runs a libc call returning -1 on error, retrying `EINTR`.
fn cvt(mut f: impl FnMut() -> libc::c_long) -> KResult<libc::c_long> {
    loop {
        let r = f();
        if r != -1 {
            return Ok(r);
        }
        let e = last_errno();
        if e != Errno::EINTR {
            return Err(e);
        }
    }
}

/// One directory entry name as a C string. The kernel never passes `.`,
/// `..`, an empty name or one containing `/`; hostfs refuses them anyway so
/// that no call here can leave the directory it names.
pub fn name_cstr(name: &[u8]) -> KResult<CString> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
        return Err(Errno::EINVAL);
    }
    CString::new(name).map_err(|_| Errno::EINVAL)
}

pub fn openat(dir: RawFd, name: &[u8], flags: i32, mode: u32) -> KResult<OwnedFd> {
    let c = name_cstr(name)?;
    let flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: `c` is a valid C string; on success the kernel returns a new
    // descriptor we own.
    let fd = cvt(|| unsafe { libc::openat(dir, c.as_ptr(), flags, mode as libc::c_uint) } as libc::c_long)?;
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Opens `.` of a directory descriptor (e.g. to list an `O_PATH` one).
pub fn reopen_dir(dir: RawFd) -> KResult<OwnedFd> {
    // SAFETY: a literal C string; the result is a new descriptor we own.
    let fd = cvt(|| unsafe { libc::openat(dir, c".".as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) } as libc::c_long)?;
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

pub fn fstat(fd: RawFd) -> KResult<libc::stat> {
    // SAFETY: `st` is a valid out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    cvt(|| unsafe { libc::fstat(fd, &mut st) } as libc::c_long)?;
    Ok(st)
}

/// `lstat` of one entry.
pub fn fstatat(dir: RawFd, name: &[u8]) -> KResult<libc::stat> {
    let c = name_cstr(name)?;
    // SAFETY: valid C string and out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    cvt(|| unsafe { libc::fstatat(dir, c.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } as libc::c_long)?;
    Ok(st)
}

pub fn mkdirat(dir: RawFd, name: &[u8], mode: u32) -> KResult<()> {
    let c = name_cstr(name)?;
    // SAFETY: valid C string.
    cvt(|| unsafe { libc::mkdirat(dir, c.as_ptr(), mode as libc::mode_t) } as libc::c_long).map(drop)
}

pub fn mkfifoat(dir: RawFd, name: &[u8], mode: u32) -> KResult<()> {
    let c = name_cstr(name)?;
    // SAFETY: valid C string.
    cvt(|| unsafe { libc::mknodat(dir, c.as_ptr(), libc::S_IFIFO | mode as libc::mode_t, 0) } as libc::c_long).map(drop)
}

pub fn symlinkat(target: &[u8], dir: RawFd, name: &[u8]) -> KResult<()> {
    let c = name_cstr(name)?;
    let t = CString::new(target).map_err(|_| Errno::EINVAL)?;
    // SAFETY: valid C strings.
    cvt(|| unsafe { libc::symlinkat(t.as_ptr(), dir, c.as_ptr()) } as libc::c_long).map(drop)
}

pub fn unlinkat(dir: RawFd, name: &[u8], flags: i32) -> KResult<()> {
    let c = name_cstr(name)?;
    // SAFETY: valid C string.
    cvt(|| unsafe { libc::unlinkat(dir, c.as_ptr(), flags) } as libc::c_long).map(drop)
}

pub fn renameat2(from_dir: RawFd, from: &[u8], to_dir: RawFd, to: &[u8], flags: u32) -> KResult<()> {
    let (f, t) = (name_cstr(from)?, name_cstr(to)?);
    // SAFETY: valid C strings. (The raw syscall: older C libraries lack
    // the wrapper.)
    cvt(|| unsafe { libc::syscall(libc::SYS_renameat2, from_dir, f.as_ptr(), to_dir, t.as_ptr(), flags) }).map(drop)
}

/// A hard link; never follows a symlink at the source.
pub fn linkat(from_dir: RawFd, from: &[u8], to_dir: RawFd, to: &[u8]) -> KResult<()> {
    let (f, t) = (name_cstr(from)?, name_cstr(to)?);
    // SAFETY: valid C strings.
    cvt(|| unsafe { libc::linkat(from_dir, f.as_ptr(), to_dir, t.as_ptr(), 0) } as libc::c_long).map(drop)
}

pub fn readlinkat(dir: RawFd, name: &[u8]) -> KResult<Vec<u8>> {
    let c = name_cstr(name)?;
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: valid C string; `buf` is writable for its length.
        let n = cvt(|| unsafe { libc::readlinkat(dir, c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) } as libc::c_long)? as usize;
        if n < buf.len() {
            buf.truncate(n);
            return Ok(buf);
        }
        if buf.len() >= 1 << 16 {
            return Err(Errno::ENAMETOOLONG);
        }
        buf.resize(buf.len() * 4, 0);
    }
}

/// The `/proc/self/fd/N` path of a descriptor: operating on it reaches
/// exactly the inode the descriptor holds, even an `O_PATH` one.
fn proc_path(fd: RawFd) -> CString {
    CString::new(format!("/proc/self/fd/{fd}")).expect("no NUL in a formatted path")
}

/// `chmod` of the inode an `O_PATH` descriptor holds (not a symlink).
pub fn chmod_fd(fd: &OwnedFd, mode: u32) -> KResult<()> {
    let p = proc_path(fd.as_raw_fd());
    // SAFETY: valid C string.
    cvt(|| unsafe { libc::chmod(p.as_ptr(), mode as libc::mode_t) } as libc::c_long).map(drop)
}

/// `chown` of the inode a descriptor holds, symlinks included.
pub fn chown_fd(fd: &OwnedFd, uid: Option<u32>, gid: Option<u32>) -> KResult<()> {
    let (u, g) = (uid.unwrap_or(u32::MAX), gid.unwrap_or(u32::MAX));
    // SAFETY: an empty C string with AT_EMPTY_PATH names the descriptor.
    cvt(|| unsafe { libc::fchownat(fd.as_raw_fd(), c"".as_ptr(), u, g, libc::AT_EMPTY_PATH) } as libc::c_long).map(drop)
}

fn timespec(t: Option<Timespec>) -> libc::timespec {
    match t {
        Some(t) => libc::timespec { tv_sec: t.sec as libc::time_t, tv_nsec: t.nsec as libc::c_long },
        None => libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_OMIT },
    }
}

/// Sets access and modification times of the inode an `O_PATH` descriptor
/// holds (not a symlink); `None` leaves one alone.
pub fn utimes_fd(fd: &OwnedFd, atime: Option<Timespec>, mtime: Option<Timespec>) -> KResult<()> {
    let p = proc_path(fd.as_raw_fd());
    let ts = [timespec(atime), timespec(mtime)];
    // SAFETY: valid C string and a two-element timespec array.
    cvt(|| unsafe { libc::utimensat(libc::AT_FDCWD, p.as_ptr(), ts.as_ptr(), 0) } as libc::c_long).map(drop)
}

/// Sets the times of a symlink itself.
pub fn utimes_link(dir: RawFd, name: &[u8], atime: Option<Timespec>, mtime: Option<Timespec>) -> KResult<()> {
    let c = name_cstr(name)?;
    let ts = [timespec(atime), timespec(mtime)];
    // SAFETY: valid C string and a two-element timespec array.
    cvt(|| unsafe { libc::utimensat(dir, c.as_ptr(), ts.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) } as libc::c_long).map(drop)
}

pub fn pread(fd: RawFd, buf: &mut [u8], off: u64) -> KResult<usize> {
    let off = i64::try_from(off).map_err(|_| Errno::EINVAL)?;
    // SAFETY: `buf` is writable for its length.
    cvt(|| unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), off) } as libc::c_long).map(|n| n as usize)
}

pub fn pwrite(fd: RawFd, data: &[u8], off: u64) -> KResult<usize> {
    let off = i64::try_from(off).map_err(|_| Errno::EINVAL)?;
    // SAFETY: `data` is readable for its length.
    cvt(|| unsafe { libc::pwrite(fd, data.as_ptr().cast(), data.len(), off) } as libc::c_long).map(|n| n as usize)
}

pub fn ftruncate(fd: RawFd, size: u64) -> KResult<()> {
    let size = i64::try_from(size).map_err(|_| Errno::EFBIG)?;
    // SAFETY: plain syscall on a descriptor.
    cvt(|| unsafe { libc::ftruncate(fd, size) } as libc::c_long).map(drop)
}

pub fn fsync(fd: RawFd) -> KResult<()> {
    // SAFETY: plain syscall on a descriptor.
    cvt(|| unsafe { libc::fsync(fd) } as libc::c_long).map(drop)
}

/// One raw directory entry: name, host inode number, `d_type`.
pub struct RawEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub dtype: u8,
}

/// Every entry of a directory except `.` and `..`, in host order.
pub fn list_dir(dir: RawFd) -> KResult<Vec<RawEntry>> {
    let fd = reopen_dir(dir)?;
    // SAFETY: fdopendir takes ownership of the descriptor on success (so
    // we release ours into it); readdir64's entries stay valid until the
    // next readdir64/closedir call, and we copy out of each before that.
    unsafe {
        let raw = std::os::fd::IntoRawFd::into_raw_fd(fd);
        let d = libc::fdopendir(raw);
        if d.is_null() {
            let e = last_errno();
            libc::close(raw);
            return Err(e);
        }
        let mut out = Vec::new();
        loop {
            *libc::__errno_location() = 0;
            let ent = libc::readdir64(d);
            if ent.is_null() {
                let err = *libc::__errno_location();
                libc::closedir(d);
                if err != 0 {
                    return Err(Errno(err as u16));
                }
                return Ok(out);
            }
            let name = std::ffi::CStr::from_ptr((*ent).d_name.as_ptr()).to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            out.push(RawEntry { name: name.to_vec(), ino: (*ent).d_ino, dtype: (*ent).d_type });
        }
    }
}

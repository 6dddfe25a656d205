//! strace-style rendering of a syscall: `openat(AT_FDCWD, "/x", O_RDONLY) =
//! -1 ENOENT (No such file or directory)`. Every engine prints with this, so
//! `--strace` looks the same everywhere.

use alloc::string::String;
use core::fmt::Write;

use crate::abi::errno::Errno;
use crate::abi::flags::*;
use crate::abi::syscalls::{self, Arg};
use crate::engine::Memory;
use crate::syscall::read_cstr;

/// Longest buffer excerpt shown, as strace's default `-s 32`.
const STRING_LIMIT: usize = 32;

/// Renders one completed syscall with its return value.
pub fn format_call(nr: u32, args: &[u32; 6], mem: &dyn Memory, ret: i64) -> String {
    let mut out = format_args_only(nr, args, mem, ret);
    let pointer = syscalls::lookup(nr).is_some_and(|sc| matches!(sc.name, "mmap2" | "brk" | "mremap"));
    push_result(&mut out, ret, pointer);
    out
}

/// Renders a syscall that did not return (`exit_group(0) = ?`).
pub fn format_noreturn(nr: u32, args: &[u32; 6], mem: &dyn Memory) -> String {
    let mut out = format_args_only(nr, args, mem, 0);
    out.push_str(" = ?");
    out
}

/// `name(args...)` without the result; `ret` decides how much of an output
/// buffer is shown.
fn format_args_only(nr: u32, args: &[u32; 6], mem: &dyn Memory, ret: i64) -> String {
    let mut out = String::new();
    let Some(sc) = syscalls::lookup(nr) else {
        let _ = write!(out, "syscall_{nr}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x})", args[0], args[1], args[2], args[3], args[4], args[5]);
        return out;
    };
    out.push_str(sc.name);
    out.push('(');
    let mut reg = 0;
    // Like strace, show open's mode only when it is used.
    let shown = match sc.name {
        "openat" if args[2] & (O_CREAT | O_TMPFILE) == 0 => 3,
        _ => sc.args.len(),
    };
    for (i, a) in sc.args.iter().take(shown).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let v = args[reg];
        let next = args.get(reg + 1).copied().unwrap_or(0);
        match a {
            Arg::Int => {
                let _ = write!(out, "{}", v as i32);
            }
            Arg::UInt | Arg::Fd => {
                let _ = write!(out, "{}", if matches!(a, Arg::Fd) { (v as i32) as i64 } else { v as i64 });
            }
            Arg::Hex => {
                let _ = write!(out, "{v:#x}");
            }
            Arg::DirFd => {
                if v as i32 == AT_FDCWD {
                    out.push_str("AT_FDCWD");
                } else {
                    let _ = write!(out, "{}", v as i32);
                }
            }
            Arg::Path => match read_cstr(mem, v, 4096) {
                Ok(s) => push_quoted(&mut out, &s, usize::MAX),
                Err(_) => push_ptr(&mut out, v),
            },
            Arg::InBuf => push_buf(&mut out, mem, v, next as usize),
            Arg::OutBuf => {
                if ret > 0 && sc.name != "getrandom" {
                    push_buf(&mut out, mem, v, ret as usize)
                } else {
                    push_ptr(&mut out, v)
                }
            }
            Arg::Ptr => push_ptr(&mut out, v),
            Arg::Off64 => {
                let _ = write!(out, "{}", (v as u64 | (next as u64) << 32) as i64);
            }
            Arg::Off64HiLo => {
                let _ = write!(out, "{}", ((v as u64) << 32 | next as u64) as i64);
            }
            Arg::OpenFlags => push_open_flags(&mut out, v),
            Arg::Mode => {
                let _ = write!(out, "0{v:o}");
            }
            Arg::AtFlags => push_flags(
                &mut out,
                v,
                &[
                    (AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"),
                    (AT_REMOVEDIR, "AT_REMOVEDIR"),
                    (AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"),
                    (AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"),
                    (AT_EMPTY_PATH, "AT_EMPTY_PATH"),
                ],
            ),
            Arg::Whence => push_named(
                &mut out,
                v,
                &[
                    (SEEK_SET, "SEEK_SET"),
                    (SEEK_CUR, "SEEK_CUR"),
                    (SEEK_END, "SEEK_END"),
                    (SEEK_DATA, "SEEK_DATA"),
                    (SEEK_HOLE, "SEEK_HOLE"),
                ],
            ),
            Arg::Signal => match SIGNAL_NAMES.get(v as usize) {
                Some(n) if !n.is_empty() => out.push_str(n),
                _ => {
                    let _ = write!(out, "{v}");
                }
            },
            Arg::Clock => push_named(
                &mut out,
                v,
                &[
                    (CLOCK_REALTIME, "CLOCK_REALTIME"),
                    (CLOCK_MONOTONIC, "CLOCK_MONOTONIC"),
                    (CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"),
                    (CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"),
                    (CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"),
                    (CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"),
                    (CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"),
                    (CLOCK_BOOTTIME, "CLOCK_BOOTTIME"),
                ],
            ),
            Arg::Prot => {
                if v == 0 {
                    out.push_str("PROT_NONE");
                } else {
                    push_flags(&mut out, v, &[(PROT_READ, "PROT_READ"), (PROT_WRITE, "PROT_WRITE"), (PROT_EXEC, "PROT_EXEC")]);
                }
            }
            Arg::MapFlags => push_flags(
                &mut out,
                v,
                &[
                    (MAP_SHARED, "MAP_SHARED"),
                    (MAP_PRIVATE, "MAP_PRIVATE"),
                    (MAP_FIXED, "MAP_FIXED"),
                    (MAP_ANONYMOUS, "MAP_ANONYMOUS"),
                    (MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"),
                ],
            ),
            Arg::FcntlCmd => push_named(
                &mut out,
                v,
                &[
                    (F_DUPFD, "F_DUPFD"),
                    (F_GETFD, "F_GETFD"),
                    (F_SETFD, "F_SETFD"),
                    (F_GETFL, "F_GETFL"),
                    (F_SETFL, "F_SETFL"),
                    (F_GETLK, "F_GETLK"),
                    (F_SETLK, "F_SETLK"),
                    (F_SETLKW, "F_SETLKW"),
                    (F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"),
                    (F_GETPIPE_SZ, "F_GETPIPE_SZ"),
                    (F_SETPIPE_SZ, "F_SETPIPE_SZ"),
                ],
            ),
            Arg::Ioctl => push_named(
                &mut out,
                v,
                &[
                    (TCGETS, "TCGETS"),
                    (TCSETS, "TCSETS"),
                    (TCSETSW, "TCSETSW"),
                    (TCSETSF, "TCSETSF"),
                    (TIOCGPGRP, "TIOCGPGRP"),
                    (TIOCSPGRP, "TIOCSPGRP"),
                    (TIOCGWINSZ, "TIOCGWINSZ"),
                    (TIOCSWINSZ, "TIOCSWINSZ"),
                    (FIONREAD, "FIONREAD"),
                    (FIONBIO, "FIONBIO"),
                    (FIOCLEX, "FIOCLEX"),
                    (FIONCLEX, "FIONCLEX"),
                ],
            ),
            Arg::Iovec => push_iovec(&mut out, mem, v, next as usize, sc.name.starts_with("write") || sc.name.starts_with("pwrite"), ret),
        }
        reg += match a {
            Arg::Off64 | Arg::Off64HiLo => 2,
            _ => 1,
        };
    }
    out.push(')');
    out
}

fn push_result(out: &mut String, ret: i64, pointer: bool) {
    if (-4095..0).contains(&ret) {
        let e = Errno((-ret) as u16);
        let _ = write!(out, " = -1 {} ({})", e.name(), e.message());
    } else if pointer {
        let _ = write!(out, " = {ret:#x}");
    } else {
        let _ = write!(out, " = {ret}");
    }
}

fn push_ptr(out: &mut String, v: u32) {
    if v == 0 {
        out.push_str("NULL");
    } else {
        let _ = write!(out, "{v:#x}");
    }
}

/// A C-style quoted excerpt of guest bytes.
fn push_buf(out: &mut String, mem: &dyn Memory, addr: u32, len: usize) {
    let n = len.min(STRING_LIMIT);
    let mut b = [0u8; STRING_LIMIT];
    if mem.read(addr, &mut b[..n]).is_err() {
        push_ptr(out, addr);
        return;
    }
    push_quoted(out, &b[..n], n);
    if len > n {
        out.push_str("...");
    }
}

fn push_quoted(out: &mut String, s: &[u8], limit: usize) {
    out.push('"');
    for &c in s.iter().take(limit) {
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(c as char),
            _ => {
                let _ = write!(out, "\\{c:o}");
            }
        }
    }
    out.push('"');
}

fn push_named(out: &mut String, v: u32, names: &[(u32, &str)]) {
    match names.iter().find(|(n, _)| *n == v) {
        Some((_, s)) => out.push_str(s),
        None => {
            let _ = write!(out, "{v:#x}");
        }
    }
}

fn push_flags(out: &mut String, v: u32, names: &[(u32, &str)]) {
    if v == 0 {
        out.push('0');
        return;
    }
    let mut rest = v;
    let mut first = true;
    for &(bit, name) in names {
        if bit != 0 && rest & bit == bit {
            if !first {
                out.push('|');
            }
            out.push_str(name);
            rest &= !bit;
            first = false;
        }
    }
    if rest != 0 {
        if !first {
            out.push('|');
        }
        let _ = write!(out, "{rest:#x}");
    }
}

fn push_open_flags(out: &mut String, v: u32) {
    out.push_str(match v & O_ACCMODE {
        O_RDONLY => "O_RDONLY",
        O_WRONLY => "O_WRONLY",
        O_RDWR => "O_RDWR",
        _ => "O_ACCMODE",
    });
    let rest = v & !O_ACCMODE;
    if rest != 0 {
        out.push('|');
        push_flags(
            out,
            rest,
            &[
                (O_CREAT, "O_CREAT"),
                (O_EXCL, "O_EXCL"),
                (O_NOCTTY, "O_NOCTTY"),
                (O_TRUNC, "O_TRUNC"),
                (O_APPEND, "O_APPEND"),
                (O_NONBLOCK, "O_NONBLOCK"),
                (O_SYNC, "O_SYNC"),
                (O_DSYNC, "O_DSYNC"),
                (O_DIRECTORY, "O_DIRECTORY"),
                (O_NOFOLLOW, "O_NOFOLLOW"),
                (O_CLOEXEC, "O_CLOEXEC"),
                (O_LARGEFILE, "O_LARGEFILE"),
                (O_PATH, "O_PATH"),
                (O_NOATIME, "O_NOATIME"),
                (O_DIRECT, "O_DIRECT"),
                (O_ASYNC, "O_ASYNC"),
            ],
        );
    }
}

fn push_iovec(out: &mut String, mem: &dyn Memory, addr: u32, count: usize, show: bool, ret: i64) {
    out.push('[');
    let mut left = if show { usize::MAX } else { ret.max(0) as usize };
    for i in 0..count.min(8) {
        let mut b = [0u8; 8];
        if mem.read(addr + 8 * i as u32, &mut b).is_err() {
            push_ptr(out, addr);
            break;
        }
        let base = u32::from_le_bytes(b[..4].try_into().unwrap());
        let len = u32::from_le_bytes(b[4..].try_into().unwrap()) as usize;
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("{iov_base=");
        let shown = len.min(left);
        if shown > 0 && (show || ret > 0) {
            push_buf(out, mem, base, shown);
        } else {
            push_ptr(out, base);
        }
        left = left.saturating_sub(len);
        let _ = write!(out, ", iov_len={len}}}");
    }
    if count > 8 {
        out.push_str(", ...");
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::{format_call, format_noreturn};
    use crate::abi::flags::*;
    use crate::abi::syscalls::nr;
    use crate::testutil::Harness;
    use alloc::format;

    #[test]
    fn renders_like_strace() {
        let mut h = Harness::new();
        let p = h.cstr("/tmp/x");
        let s = format_call(nr::openat, &[AT_FDCWD as u32, p, O_WRONLY | O_CREAT | O_TRUNC, 0o644, 0, 0], &h.mem, -2);
        assert_eq!(s, "openat(AT_FDCWD, \"/tmp/x\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 ENOENT (No such file or directory)");
        let b = h.put(b"hello\n");
        assert_eq!(format_call(nr::write, &[1, b, 6, 0, 0, 0], &h.mem, 6), "write(1, \"hello\\n\", 6) = 6");
        let long = h.put(&[b'a'; 40]);
        assert_eq!(format_call(nr::read, &[3, long, 100, 0, 0, 0], &h.mem, 40), format!("read(3, \"{}\"..., 100) = 40", "a".repeat(32)));
        assert_eq!(
            format_call(nr::mmap2, &[0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, u32::MAX, 0], &h.mem, 0x20000),
            "mmap2(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x20000"
        );
        assert_eq!(format_call(nr::_llseek, &[3, 1, 2, 0x100, SEEK_SET, 0], &h.mem, 0), "_llseek(3, 4294967298, 0x100, SEEK_SET) = 0");
        assert_eq!(format_call(nr::kill, &[5, 9, 0, 0, 0, 0], &h.mem, 0), "kill(5, SIGKILL) = 0");
        assert_eq!(
            format_call(nr::openat, &[AT_FDCWD as u32, p, O_RDONLY, 0, 0, 0], &h.mem, 3),
            "openat(AT_FDCWD, \"/tmp/x\", O_RDONLY) = 3"
        );
        assert_eq!(format_noreturn(nr::exit_group, &[3, 0, 0, 0, 0, 0], &h.mem), "exit_group(3) = ?");
        assert_eq!(
            format_call(7777, &[1, 2, 3, 4, 5, 6], &h.mem, -38),
            "syscall_7777(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"
        );
    }
}

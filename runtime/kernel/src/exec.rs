//! `execve`, kernel side: resolving the program (and `#!` interpreters),
//! then, once the engine has a new instance, replacing the process image.
//!
//! Exec needs the engine, so it is two calls:
//!
//! 1. [`Kernel::execve`] (the engine calls it for syscall `execve` instead
//!    of [`Kernel::syscall`]) reads the arguments from guest memory and
//!    resolves the program: `ENOENT`/`ENOTDIR`/`ELOOP` from the path,
//!    `EACCES` unless a regular file with an execute bit the caller may
//!    use, `ENOEXEC` unless it starts with `\0asm` or `#!`, `E2BIG` for
//!    arguments past `ARG_MAX`. Nothing changes in the process yet.
//! 2. The engine compiles [`ExecImage::binary`]. If that fails it returns
//!    `-ENOEXEC` to the guest, which carries on. Otherwise it calls
//!    [`Kernel::exec_commit`] and starts the new instance with the image's
//!    arguments.

use alloc::vec::Vec;

use crate::abi::flags::*;
use crate::engine::{ExecImage, Memory};
use crate::fd::FileKind;
use crate::signal::SIG_IGN;
use crate::syscall::{read_cstr, PATH_MAX};
use crate::vfs::{ops, path};
use crate::{fs_ctx, Errno, KResult, Kernel};

/// The wasm binary magic.
pub const WASM_MAGIC: &[u8] = b"\0asm";
/// Most bytes of arguments and environment together (Linux: a quarter of
/// the 8 MiB stack limit).
pub const ARG_MAX: usize = 2 << 20;
/// Longest `#!` line Linux reads (`BINPRM_BUF_SIZE`).
const BINPRM_BUF_SIZE: usize = 256;
/// `#!` interpreters nest at most this deep (then `ELOOP`).
const MAX_INTERP_DEPTH: usize = 4;
/// Most pointers in an argv or envp array (`MAX_ARG_STRINGS`).
const MAX_ARG_STRINGS: usize = 0x7fff_ffff;

/// Reads a NULL-terminated array of string pointers.
fn read_strings(mem: &dyn Memory, addr: u32, total: &mut usize) -> KResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    for i in 0..MAX_ARG_STRINGS {
        let mut b = [0u8; 4];
        mem.read(addr.checked_add(4 * i as u32).ok_or(Errno::EFAULT)?, &mut b)?;
        let p = u32::from_le_bytes(b);
        if p == 0 {
            break;
        }
        let s = read_cstr(mem, p, ARG_MAX + 1).map_err(|e| if e == Errno::ENAMETOOLONG { Errno::E2BIG } else { e })?;
        *total += s.len() + 1;
        if *total > ARG_MAX {
            return Err(Errno::E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

/// The interpreter and its optional argument from a `#!` line (`ENOEXEC`
/// when there is no interpreter name).
fn parse_shebang(data: &[u8]) -> KResult<(Vec<u8>, Option<Vec<u8>>)> {
    let head = &data[2..data.len().min(BINPRM_BUF_SIZE)];
    let line = match head.iter().position(|&c| c == b'\n') {
        Some(n) => &head[..n],
        None => head,
    };
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let line = {
        let start = line.iter().position(|c| !blank(c)).unwrap_or(line.len());
        let end = line.iter().rposition(|c| !blank(c)).map_or(start, |e| e + 1);
        &line[start..end.max(start)]
    };
    if line.is_empty() {
        return Err(Errno::ENOEXEC);
    }
    let split = line.iter().position(blank).unwrap_or(line.len());
    let interp = line[..split].to_vec();
    let rest = &line[split..];
    let arg = rest.iter().position(|c| !blank(c)).map(|s| rest[s..].to_vec());
    Ok((interp, arg))
}

impl Kernel {
    /// Step 1 of exec for syscall `execve(path, argv, envp)` with its raw
    /// arguments: see the module docs.
    pub fn execve(&mut self, pid: u32, mem: &mut dyn Memory, args: [u32; 6]) -> KResult<ExecImage> {
        let path = read_cstr(mem, args[0], PATH_MAX)?;
        let mut total = 0;
        let argv = read_strings(mem, args[1], &mut total)?;
        let envp = read_strings(mem, args[2], &mut total)?;
        self.exec_prepare(pid, &path, argv, envp)
    }

    /// Step 1 of exec with arguments already in hand (`posix_spawn`-like
    /// engine paths use it directly).
    pub fn exec_prepare(&mut self, pid: u32, file: &[u8], mut argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> KResult<ExecImage> {
        if file.is_empty() {
            return Err(Errno::ENOENT);
        }
        let mut file = file.to_vec();
        for _ in 0..=MAX_INTERP_DEPTH {
            let (resolved, binary) = self.load_executable(pid, &file)?;
            if binary.starts_with(WASM_MAGIC) {
                return Ok(ExecImage { path: resolved, binary, argv, envp });
            }
            if !binary.starts_with(b"#!") {
                return Err(Errno::ENOEXEC);
            }
            // Linux: argv becomes interp [arg] file argv[1..].
            let (interp, arg) = parse_shebang(&binary)?;
            let mut new = Vec::with_capacity(argv.len() + 2);
            new.push(interp.clone());
            new.extend(arg);
            new.push(file.clone());
            new.extend(argv.into_iter().skip(1));
            argv = new;
            file = interp;
        }
        Err(Errno::ELOOP)
    }

    /// Resolves `file` for `pid` and reads it, if it may be executed: the
    /// absolute path and the contents.
    fn load_executable(&mut self, pid: u32, file: &[u8]) -> KResult<(Vec<u8>, Vec<u8>)> {
        let r = self.resolve_at(pid, AT_FDCWD, file, 0)?;
        let n = match r.kind {
            FileKind::Node(n) => n,
            FileKind::Device { .. } | FileKind::Pipe { .. } => return Err(Errno::EACCES),
        };
        {
            fs_ctx!(self, pid, snap, cx);
            let st = path::stat(&mut self.vfs, &cx, n)?;
            if st.mode & S_IFMT != S_IFREG {
                return Err(Errno::EACCES);
            }
            ops::access(&mut self.vfs, &cx, n, X_OK)?;
        }
        let data = self.read_path(pid, &r.path)?;
        Ok((r.path, data))
    }

    /// Step 2 of exec: the engine has the new instance. Replaces argv,
    /// envp and `exe`, closes `O_CLOEXEC` descriptors, resets handled
    /// signals to `SIG_DFL` (ignored ones stay ignored), forgets the memory
    /// map and handler frames. Pid, parent, group, session, cwd, umask,
    /// credentials, limits, signal mask, pending signals and the alarm
    /// stay, as on Linux.
    pub fn exec_commit(&mut self, pid: u32, image: &ExecImage) {
        let Some(p) = self.procs.get_mut(pid) else { return };
        p.argv = image.argv.clone();
        p.envp = image.envp.clone();
        p.exe = image.path.clone();
        p.did_exec = true;
        let limit = p.mm.limit;
        p.mm = Default::default();
        p.mm.limit = limit;
        for a in p.signals.actions.iter_mut() {
            if a.handler != SIG_IGN {
                *a = Default::default();
            } else {
                a.flags = 0;
                a.mask = 0;
            }
        }
        p.signals.frames.clear();
        p.signals.saved_mask = None;
        p.sleep_deadline = None;
        p.io_done = 0;
        let cloexec: Vec<i32> = p.fds.iter().filter(|(_, e)| e.cloexec).map(|(fd, _)| fd as i32).collect();
        for fd in cloexec {
            let _ = self.close_fd(pid, fd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_shebang;

    #[test]
    fn shebang_lines() {
        assert_eq!(parse_shebang(b"#!/bin/sh\necho").unwrap(), (b"/bin/sh".to_vec(), None));
        assert_eq!(parse_shebang(b"#! /usr/bin/env  python3 -u \n").unwrap(), (b"/usr/bin/env".to_vec(), Some(b"python3 -u".to_vec())));
        assert_eq!(parse_shebang(b"#!/bin/awk\t-f\n").unwrap(), (b"/bin/awk".to_vec(), Some(b"-f".to_vec())));
        assert!(parse_shebang(b"#!   \n").is_err());
        assert!(parse_shebang(b"#!").is_err());
    }
}

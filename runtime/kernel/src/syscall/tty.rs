//! `ioctl`: terminal requests on the host terminal, and the generic
//! descriptor requests (`FIONREAD`, `FIONBIO`, `FIOCLEX`).
//!
//! A descriptor is a terminal when it is `/dev/tty`, or a host stream the
//! host reports as a tty. The kernel has no line discipline (the host
//! terminal does the cooking); it keeps the `struct termios` programs set
//! so they read back what they wrote. Everything else answers `ENOTTY`.

use super::fs::ofd;
use super::*;
use crate::abi::flags::*;
use crate::abi::layout::{TERMIOS_SIZE, WINSIZE_SIZE};
use crate::dev::Device;
use crate::engine::StreamKind;
use crate::fd::FileKind;
use crate::Kernel;

const TCSBRK: u32 = 0x5409;
const TCXONC: u32 = 0x540A;
const TCFLSH: u32 = 0x540B;
const TIOCSCTTY: u32 = 0x540E;
const TIOCNOTTY: u32 = 0x5422;
const TIOCGSID: u32 = 0x5429;
/// `TCFLSH` queue selectors that discard input.
const TCIFLUSH: u32 = 0;
const TCIOFLUSH: u32 = 2;

/// The terminal settings (Linux kernel `struct termios` as musl lays it
/// out: four u32 flag words, `c_line`, `c_cc[32]`, then the two speeds).
#[derive(Clone, Debug)]
pub struct TtyState {
    pub termios: [u8; TERMIOS_SIZE],
    /// The foreground process group (`tcsetpgrp`); the first spawned
    /// process's group until someone sets it.
    pub fg_pgrp: Option<u32>,
}

impl Default for TtyState {
    /// A cooked-mode terminal as Linux sets one up: `ICRNL IXON IUTF8`,
    /// `OPOST ONLCR`, `B38400 CS8 CREAD HUPCL`, `ISIG ICANON ECHO ECHOE
    /// ECHOK ECHOCTL ECHOKE IEXTEN`, and the usual control characters.
    fn default() -> Self {
        let mut t = [0u8; TERMIOS_SIZE];
        for (i, v) in [0x4500u32, 0x5, 0x4bf, 0x8a3b].into_iter().enumerate() {
            t[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
        }
        let cc: [u8; 17] = [3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0];
        t[17..17 + cc.len()].copy_from_slice(&cc);
        t[52..56].copy_from_slice(&38400u32.to_le_bytes());
        t[56..60].copy_from_slice(&38400u32.to_le_bytes());
        TtyState { termios: t, fg_pgrp: None }
    }
}

/// The host stream behind a terminal descriptor, if it is one.
fn tty_stream(k: &Kernel, kind: &FileKind) -> Option<u8> {
    match *kind {
        FileKind::Device { dev: Device::Tty, .. } => Some(k.tty_output_stream()),
        FileKind::Device { dev: Device::HostStream(s), .. } if k.host.stream_kind(s) == StreamKind::Tty => Some(s),
        _ => None,
    }
}

pub fn ioctl(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (fd, req, arg) = (c.i32(0), c.u32(1), c.u32(2));
    let pid = c.pid;
    let o = ofd(k, c, fd)?;
    let f = k.files.get(o);
    if f.flags & O_PATH != 0 {
        return Err(Errno::EBADF.into());
    }
    let kind = f.kind.clone();
    match req {
        FIOCLEX | FIONCLEX => {
            k.proc_mut(pid).fds.set_cloexec(fd, req == FIOCLEX)?;
            return Ok(0);
        }
        FIONBIO => {
            let on = c.read_u32(arg)? != 0;
            let f = k.files.get_mut(o);
            f.flags = if on { f.flags | O_NONBLOCK } else { f.flags & !O_NONBLOCK };
            return Ok(0);
        }
        FIONREAD => {
            let n = match kind {
                FileKind::Node(n) => {
                    let st = k.stat_node(pid, n)?;
                    if st.mode & S_IFMT != S_IFREG {
                        return Err(Errno::ENOTTY.into());
                    }
                    (st.size as u64).saturating_sub(k.files.get(o).offset)
                }
                FileKind::Device { dev: Device::Tty | Device::HostStream(0), .. } => k.stdin_available() as u64,
                _ if tty_stream(k, &kind).is_some() => k.stdin_available() as u64,
                FileKind::Device { dev: Device::HostStream(_), .. } => 0,
                FileKind::Pipe { id, .. } => k.pipes.get(id).len() as u64,
                FileKind::Device { .. } => return Err(Errno::ENOTTY.into()),
            };
            c.write_u32(arg, n.min(i32::MAX as u64) as u32)?;
            return Ok(0);
        }
        _ => {}
    }
    let Some(stream) = tty_stream(k, &kind) else { return Err(Errno::ENOTTY.into()) };
    match req {
        TCGETS => {
            let t = k.tty.termios;
            c.write_bytes(arg, &t)?;
        }
        TCSETS | TCSETSW | TCSETSF => {
            let t = c.read_bytes(arg, TERMIOS_SIZE)?;
            k.tty.termios.copy_from_slice(&t);
            if req == TCSETSF {
                k.stdin.buf.clear();
            }
        }
        TIOCGWINSZ => {
            let (rows, cols) = k.host.winsize(stream).unwrap_or((0, 0));
            let mut b = [0u8; WINSIZE_SIZE];
            b[0..2].copy_from_slice(&rows.to_le_bytes());
            b[2..4].copy_from_slice(&cols.to_le_bytes());
            c.write_bytes(arg, &b)?;
        }
        TIOCGPGRP => {
            let pgid = k.tty.fg_pgrp.unwrap_or(k.proc(pid).pgid);
            c.write_u32(arg, pgid)?;
        }
        TIOCGSID => {
            let sid = k.proc(pid).sid;
            c.write_u32(arg, sid)?;
        }
        TIOCSPGRP => {
            let pgid = c.read_u32(arg)?;
            if (pgid as i32) < 0 {
                return Err(Errno::EINVAL.into());
            }
            let sid = k.proc(pid).sid;
            if !k.procs.procs.values().any(|p| p.pgid == pgid && p.sid == sid) {
                return Err(Errno::EPERM.into());
            }
            k.tty.fg_pgrp = Some(pgid);
        }
        TCFLSH => match arg {
            TCIFLUSH | TCIOFLUSH => k.stdin.buf.clear(),
            1 => {}
            _ => return Err(Errno::EINVAL.into()),
        },
        TIOCSWINSZ | TCSBRK | TCXONC | TIOCSCTTY | TIOCNOTTY => {}
        _ => return Err(Errno::ENOTTY.into()),
    }
    Ok(0)
}

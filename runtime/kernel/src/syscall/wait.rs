//! `wait4` and `waitid`: reporting and reaping children
//! ([`crate::lifecycle`] finds them). A wait with nothing to report yet
//! parks on the caller's [`WaitKey::process`], which every child event
//! wakes.

use super::*;
use crate::engine::WaitKey;
use crate::lifecycle::{WaitEvent, WaitFor};
use crate::Kernel;

const WNOHANG: u32 = 1;
const WUNTRACED: u32 = 2;
const WSTOPPED: u32 = 2;
const WEXITED: u32 = 4;
const WCONTINUED: u32 = 8;
const WNOWAIT: u32 = 0x0100_0000;
/// `__WNOTHREAD`, `__WALL`, `__WCLONE`: accepted, meaningless with one
/// thread per process.
const WTHREAD_FLAGS: u32 = 0xe000_0000;
const P_ALL: u32 = 0;
const P_PID: u32 = 1;
const P_PGID: u32 = 2;
/// The 32-bit `struct rusage` musl's `wait4` hands the kernel: 4 longs of
/// times, 14 longs of counters.
const RUSAGE32_SIZE: usize = 72;

/// Finds an event without consuming it, lets `write` store it, then
/// consumes it; or parks (`WNOHANG`: returns `None`).
fn wait_common(
    k: &mut Kernel,
    c: &mut Call,
    which: WaitFor,
    kinds: (bool, bool, bool),
    options: u32,
    write: impl FnOnce(&mut Call, Option<(u32, u32, WaitEvent)>) -> Result<(), Errno>,
) -> Result<Option<u32>, Stop> {
    let pid = c.pid;
    match k.wait_child(pid, which, kinds, false)? {
        Some(found) => {
            write(c, Some(found))?;
            if options & WNOWAIT == 0 {
                k.wait_child(pid, WaitFor::Pid(found.0), kinds, true)?;
            }
            Ok(Some(found.0))
        }
        None if options & WNOHANG != 0 => {
            write(c, None)?;
            Ok(None)
        }
        None => Err(Stop::Pending(Pending { key: WaitKey::process(pid), deadline: None })),
    }
}

pub fn wait4(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (pid, status, options, rusage) = (c.i32(0), c.u32(1), c.u32(2), c.u32(3));
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WTHREAD_FLAGS) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let which = match pid {
        i32::MIN => return Err(Errno::ESRCH.into()),
        -1 => WaitFor::Any,
        0 => WaitFor::Pgid(k.proc(c.pid).pgid),
        p if p < 0 => WaitFor::Pgid((-p) as u32),
        p => WaitFor::Pid(p as u32),
    };
    let kinds = (true, options & WUNTRACED != 0, options & WCONTINUED != 0);
    let got = wait_common(k, c, which, kinds, options, |c, found| {
        if let Some((_, _, ev)) = found {
            if status != 0 {
                c.write_u32(status, ev.status() as u32)?;
            }
            if rusage != 0 {
                c.write_bytes(rusage, &[0u8; RUSAGE32_SIZE])?;
            }
        }
        Ok(())
    })?;
    Ok(got.unwrap_or(0) as i64)
}

pub fn waitid(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (idtype, id, infop, options) = (c.u32(0), c.u32(1), c.u32(2), c.u32(3));
    if options & !(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WTHREAD_FLAGS) != 0
        || options & (WEXITED | WSTOPPED | WCONTINUED) == 0
    {
        return Err(Errno::EINVAL.into());
    }
    let which = match idtype {
        P_ALL => WaitFor::Any,
        P_PID if (id as i32) > 0 => WaitFor::Pid(id),
        P_PGID if id == 0 => WaitFor::Pgid(k.proc(c.pid).pgid),
        P_PGID if (id as i32) > 0 => WaitFor::Pgid(id),
        _ => return Err(Errno::EINVAL.into()),
    };
    let kinds = (options & WEXITED != 0, options & WSTOPPED != 0, options & WCONTINUED != 0);
    wait_common(k, c, which, kinds, options, |c, found| {
        if infop == 0 {
            return Ok(());
        }
        let mut b = [0u8; 24];
        if let Some((pid, uid, ev)) = found {
            let (code, st) = ev.siginfo();
            b[0..4].copy_from_slice(&crate::abi::flags::SIGCHLD.to_le_bytes());
            b[8..12].copy_from_slice(&code.to_le_bytes());
            b[12..16].copy_from_slice(&pid.to_le_bytes());
            b[16..20].copy_from_slice(&uid.to_le_bytes());
            b[20..24].copy_from_slice(&st.to_le_bytes());
        }
        c.write_bytes(infop, &b)
    })?;
    Ok(0)
}

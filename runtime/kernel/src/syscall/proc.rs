//! Process identity, credentials, limits and exit.

use super::*;
use crate::abi::flags::*;
use crate::abi::layout::RLIMIT_SIZE;
use crate::engine::ExitStatus;
use crate::process::Rlimit;
use crate::Kernel;

pub fn exit(k: &mut Kernel, c: &mut Call) -> SysResult {
    exit_group(k, c)
}

pub fn exit_group(k: &mut Kernel, c: &mut Call) -> SysResult {
    let status = ExitStatus::Code(c.u32(0) as u8);
    k.terminate(c.pid, status);
    Err(Stop::Exit(status))
}

pub fn getpid(_k: &mut Kernel, c: &mut Call) -> SysResult {
    Ok(c.pid as i64)
}

pub fn gettid(_k: &mut Kernel, c: &mut Call) -> SysResult {
    Ok(c.pid as i64)
}

pub fn getppid(k: &mut Kernel, c: &mut Call) -> SysResult {
    Ok(k.proc(c.pid).ppid as i64)
}

pub fn getuid(k: &mut Kernel, c: &mut Call) -> SysResult {
    Ok(k.proc(c.pid).uid as i64)
}

pub fn geteuid(k: &mut Kernel, c: &mut Call) -> SysResult {
    Ok(k.proc(c.pid).euid as i64)
}

pub fn getgid(k: &mut Kernel, c: &mut Call) -> SysResult {
    Ok(k.proc(c.pid).gid as i64)
}

pub fn getegid(k: &mut Kernel, c: &mut Call) -> SysResult {
    Ok(k.proc(c.pid).egid as i64)
}

/// The id setters follow root's rules: every process here runs as uid 0
/// unless it drops privileges, after which it may not regain them.
fn set_ids(k: &mut Kernel, pid: u32, uid: bool, real: Option<u32>, eff: Option<u32>) -> SysResult {
    let p = k.proc_mut(pid);
    let privileged = p.euid == 0;
    let (r, e) = if uid { (&mut p.uid, &mut p.euid) } else { (&mut p.gid, &mut p.egid) };
    for v in [real, eff].into_iter().flatten() {
        if !privileged && v != *r && v != *e {
            return Err(Errno::EPERM.into());
        }
    }
    if let Some(v) = real {
        *r = v;
    }
    if let Some(v) = eff {
        *e = v;
    }
    Ok(0)
}

fn id_arg(v: u32) -> Option<u32> {
    (v != u32::MAX).then_some(v)
}

pub fn setuid(k: &mut Kernel, c: &mut Call) -> SysResult {
    let v = c.u32(0);
    let privileged = k.proc(c.pid).euid == 0;
    set_ids(k, c.pid, true, privileged.then_some(v), Some(v))
}

pub fn setgid(k: &mut Kernel, c: &mut Call) -> SysResult {
    let v = c.u32(0);
    let privileged = k.proc(c.pid).euid == 0;
    set_ids(k, c.pid, false, privileged.then_some(v), Some(v))
}

pub fn setreuid(k: &mut Kernel, c: &mut Call) -> SysResult {
    set_ids(k, c.pid, true, id_arg(c.u32(0)), id_arg(c.u32(1)))
}

pub fn setregid(k: &mut Kernel, c: &mut Call) -> SysResult {
    set_ids(k, c.pid, false, id_arg(c.u32(0)), id_arg(c.u32(1)))
}

pub fn setresuid(k: &mut Kernel, c: &mut Call) -> SysResult {
    set_ids(k, c.pid, true, id_arg(c.u32(0)), id_arg(c.u32(1)))
}

pub fn setresgid(k: &mut Kernel, c: &mut Call) -> SysResult {
    set_ids(k, c.pid, false, id_arg(c.u32(0)), id_arg(c.u32(1)))
}

fn write_res(k: &Kernel, c: &mut Call, uid: bool) -> SysResult {
    let p = k.proc(c.pid);
    let (r, e) = if uid { (p.uid, p.euid) } else { (p.gid, p.egid) };
    for (i, v) in [r, e, e].into_iter().enumerate() {
        c.write_u32(c.u32(i), v)?;
    }
    Ok(0)
}

pub fn getresuid(k: &mut Kernel, c: &mut Call) -> SysResult {
    write_res(k, c, true)
}

pub fn getresgid(k: &mut Kernel, c: &mut Call) -> SysResult {
    write_res(k, c, false)
}

pub fn getgroups(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

pub fn setgroups(k: &mut Kernel, c: &mut Call) -> SysResult {
    if k.proc(c.pid).euid != 0 {
        return Err(Errno::EPERM.into());
    }
    Ok(0)
}

pub fn set_tid_address(k: &mut Kernel, c: &mut Call) -> SysResult {
    let pid = c.pid;
    k.proc_mut(pid).clear_child_tid = c.u32(0);
    Ok(pid as i64)
}

pub fn set_robust_list(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

pub fn umask(k: &mut Kernel, c: &mut Call) -> SysResult {
    let pid = c.pid;
    let old = core::mem::replace(&mut k.proc_mut(pid).umask, c.u32(0) & 0o777);
    Ok(old as i64)
}

fn encode_rlimit(r: Rlimit) -> [u8; RLIMIT_SIZE] {
    let mut b = [0u8; RLIMIT_SIZE];
    b[..8].copy_from_slice(&r.cur.to_le_bytes());
    b[8..].copy_from_slice(&r.max.to_le_bytes());
    b
}

pub fn prlimit64(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (pid_arg, res, new, old) = (c.u32(0), c.u32(1), c.u32(2), c.u32(3));
    let pid = if pid_arg == 0 { c.pid } else { pid_arg };
    if k.procs.get(pid).is_none() {
        return Err(Errno::ESRCH.into());
    }
    if res >= RLIMIT_NLIMITS {
        return Err(Errno::EINVAL.into());
    }
    let cur = k.proc(pid).rlimits[res as usize];
    let newval = if new != 0 { Some(Rlimit { cur: c.read_u64(new)?, max: c.read_u64(new + 8)? }) } else { None };
    if let Some(n) = newval {
        if n.cur > n.max {
            return Err(Errno::EINVAL.into());
        }
        if n.max > cur.max && k.proc(c.pid).euid != 0 {
            return Err(Errno::EPERM.into());
        }
    }
    if old != 0 {
        c.write_bytes(old, &encode_rlimit(cur))?;
    }
    if let Some(n) = newval {
        k.proc_mut(pid).rlimits[res as usize] = n;
    }
    Ok(0)
}

/// The old 32-bit `getrlimit`: values saturate at `RLIM_INFINITY` (all ones).
pub fn getrlimit(k: &mut Kernel, c: &mut Call) -> SysResult {
    let res = c.u32(0);
    if res >= RLIMIT_NLIMITS {
        return Err(Errno::EINVAL.into());
    }
    let r = k.proc(c.pid).rlimits[res as usize];
    let sat = |v: u64| v.min(u32::MAX as u64) as u32;
    c.write_u32(c.u32(1), sat(r.cur))?;
    c.write_u32(c.u32(1) + 4, sat(r.max))?;
    Ok(0)
}

pub fn setrlimit(k: &mut Kernel, c: &mut Call) -> SysResult {
    let res = c.u32(0);
    if res >= RLIMIT_NLIMITS {
        return Err(Errno::EINVAL.into());
    }
    let widen = |v: u32| if v == u32::MAX { RLIM_INFINITY } else { v as u64 };
    let n = Rlimit { cur: widen(c.read_u32(c.u32(1))?), max: widen(c.read_u32(c.u32(1) + 4)?) };
    if n.cur > n.max {
        return Err(Errno::EINVAL.into());
    }
    let pid = c.pid;
    k.proc_mut(pid).rlimits[res as usize] = n;
    Ok(0)
}

/// `struct rusage`: two 16-byte timevals then 14 longs.
pub fn getrusage(k: &mut Kernel, c: &mut Call) -> SysResult {
    let mut b = [0u8; 88];
    if c.i32(0) == 0 {
        let ns = k.host.monotonic_ns().saturating_sub(k.proc(c.pid).start_ns);
        b[0..8].copy_from_slice(&((ns / 1_000_000_000) as i64).to_le_bytes());
        b[8..16].copy_from_slice(&(((ns % 1_000_000_000) / 1000) as i64).to_le_bytes());
        let maxrss_kb = (k.proc(c.pid).mm.mem_size / 1024) as u32;
        b[32..36].copy_from_slice(&maxrss_kb.to_le_bytes());
    }
    c.write_bytes(c.u32(1), &b)?;
    Ok(0)
}

pub fn getpgid(k: &mut Kernel, c: &mut Call) -> SysResult {
    let pid = if c.u32(0) == 0 { c.pid } else { c.u32(0) };
    Ok(k.procs.get(pid).ok_or(Errno::ESRCH)?.pgid as i64)
}

pub fn getsid(k: &mut Kernel, c: &mut Call) -> SysResult {
    let pid = if c.u32(0) == 0 { c.pid } else { c.u32(0) };
    Ok(k.procs.get(pid).ok_or(Errno::ESRCH)?.sid as i64)
}

pub fn setsid(k: &mut Kernel, c: &mut Call) -> SysResult {
    let pid = c.pid;
    if k.procs.procs.values().any(|p| p.pgid == pid && p.pid != pid) || k.proc(pid).pgid == pid {
        return Err(Errno::EPERM.into());
    }
    let p = k.proc_mut(pid);
    p.sid = pid;
    p.pgid = pid;
    Ok(pid as i64)
}

/// Linux's rules: the target is the caller or a child of it (`ESRCH`)
/// that has not exec'd (`EACCES`), in the caller's session and not a
/// session leader (`EPERM`); the group is the target's own pid or an
/// existing group of that session (`EPERM`).
pub fn setpgid(k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.i32(0) < 0 || c.i32(1) < 0 {
        return Err(Errno::EINVAL.into());
    }
    let pid = if c.u32(0) == 0 { c.pid } else { c.u32(0) };
    let pgid = if c.u32(1) == 0 { pid } else { c.u32(1) };
    let me = k.proc(c.pid).sid;
    let target = k.procs.get(pid).ok_or(Errno::ESRCH)?;
    if pid != c.pid {
        if target.ppid != c.pid {
            return Err(Errno::ESRCH.into());
        }
        if target.sid != me {
            return Err(Errno::EPERM.into());
        }
        if target.did_exec {
            return Err(Errno::EACCES.into());
        }
    }
    if target.sid == pid {
        return Err(Errno::EPERM.into());
    }
    if pgid != pid && !k.procs.procs.values().any(|p| p.pgid == pgid && p.sid == me) {
        return Err(Errno::EPERM.into());
    }
    k.proc_mut(pid).pgid = pgid;
    Ok(0)
}

/// Replacing the program needs the engine: it calls [`Kernel::execve`]
/// itself for this syscall number. An engine that cannot exec forwards the
/// call here.
pub fn execve(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Err(Errno::ENOSYS.into())
}

pub fn sched_yield(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

/// One CPU: the mask has bit 0 set.
pub fn sched_getaffinity(_k: &mut Kernel, c: &mut Call) -> SysResult {
    let len = c.u32(1) as usize;
    if len < 4 {
        return Err(Errno::EINVAL.into());
    }
    let mut mask = alloc::vec![0u8; len.min(128)];
    mask[0] = 1;
    c.write_bytes(c.u32(2), &mask)?;
    Ok(mask.len() as i64)
}

const PR_SET_NAME: u32 = 15;
const PR_GET_NAME: u32 = 16;

pub fn prctl(k: &mut Kernel, c: &mut Call) -> SysResult {
    match c.u32(0) {
        PR_SET_NAME => Ok(0),
        PR_GET_NAME => {
            let mut name = [0u8; 16];
            let comm = k.proc(c.pid).comm();
            let n = comm.len().min(15);
            name[..n].copy_from_slice(&comm[..n]);
            c.write_bytes(c.u32(1), &name)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

/// Linux returns `20 - nice`; every process has nice 0.
pub fn getpriority(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(20)
}

pub fn setpriority(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

pub fn membarrier(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;

/// One thread per process: nobody else can wake a waiter, so a wait whose
/// value still matches could never end; it reports `EAGAIN` instead of
/// hanging.
pub fn futex(_k: &mut Kernel, c: &mut Call) -> SysResult {
    match c.u32(1) & 0x7f {
        FUTEX_WAKE => Ok(0),
        FUTEX_WAIT => {
            let _ = c.read_u32(c.u32(0))?;
            Err(Errno::EAGAIN.into())
        }
        _ => Err(Errno::ENOSYS.into()),
    }
}

#[cfg(test)]
mod tests {
    use crate::abi::flags::*;
    use crate::abi::syscalls::nr;
    use crate::engine::{ExitStatus, Outcome};
    use crate::testutil::Harness;
    use crate::Errno;

    #[test]
    fn identity() {
        let mut h = Harness::new();
        let pid = h.pid as i64;
        assert_eq!(h.sys(nr::getpid, &[]), pid);
        assert_eq!(h.sys(nr::gettid, &[]), pid);
        assert_eq!(h.sys(nr::getppid, &[]), 0);
        assert_eq!(h.sys(nr::getuid, &[]), 0);
        assert_eq!(h.sys(nr::set_tid_address, &[0x100]), pid);
        assert_eq!(h.sys(nr::getpgid, &[0]), pid);
        assert_eq!(h.sys(nr::getsid, &[0]), pid);
        assert_eq!(h.sys(nr::setsid, &[]), Errno::EPERM.neg(), "already a group leader");
        assert_eq!(h.sys(nr::getpgid, &[999]), Errno::ESRCH.neg());
    }

    #[test]
    fn dropping_privileges_is_one_way() {
        let mut h = Harness::new();
        assert_eq!(h.sys(nr::setuid, &[1000]), 0);
        assert_eq!((h.sys(nr::getuid, &[]), h.sys(nr::geteuid, &[])), (1000, 1000));
        assert_eq!(h.sys(nr::setuid, &[0]), Errno::EPERM.neg());
        let (r, e, s) = (h.alloc(4), h.alloc(4), h.alloc(4));
        assert_eq!(h.sys(nr::getresuid, &[r, e, s]), 0);
        assert_eq!((h.u32_at(r), h.u32_at(e), h.u32_at(s)), (1000, 1000, 1000));
    }

    #[test]
    fn umask_returns_previous() {
        let mut h = Harness::new();
        assert_eq!(h.sys(nr::umask, &[0o077]), 0o022);
        assert_eq!(h.sys(nr::umask, &[0o1777]), 0o077);
        assert_eq!(h.sys(nr::umask, &[0]), 0o777);
    }

    #[test]
    fn rlimits_round_trip_and_validate() {
        let mut h = Harness::new();
        let old = h.alloc(16);
        assert_eq!(h.sys(nr::prlimit64, &[0, RLIMIT_NOFILE, 0, old]), 0);
        assert_eq!((h.u64_at(old), h.u64_at(old + 8)), (1024, 4096));
        let mut nb = [0u8; 16];
        nb[..8].copy_from_slice(&256u64.to_le_bytes());
        nb[8..].copy_from_slice(&512u64.to_le_bytes());
        let new = h.put(&nb);
        assert_eq!(h.sys(nr::prlimit64, &[0, RLIMIT_NOFILE, new, 0]), 0);
        assert_eq!(h.sys(nr::prlimit64, &[0, RLIMIT_NOFILE, 0, old]), 0);
        assert_eq!(h.u64_at(old), 256);
        let mut bad = nb;
        bad[..8].copy_from_slice(&1000u64.to_le_bytes());
        let bad = h.put(&bad);
        assert_eq!(h.sys(nr::prlimit64, &[0, RLIMIT_NOFILE, bad, 0]), Errno::EINVAL.neg());
        assert_eq!(h.sys(nr::prlimit64, &[0, 99, 0, old]), Errno::EINVAL.neg());
        let small = h.alloc(8);
        assert_eq!(h.sys(nr::getrlimit, &[RLIMIT_STACK, small]), 0);
        assert_eq!(h.u32_at(small), 8 << 20);
        assert_eq!(h.u32_at(small + 4), u32::MAX, "infinity saturates");
    }

    #[test]
    fn exit_group_ends_the_process_and_closes_fds() {
        let mut h = Harness::new();
        assert_eq!(h.call(nr::exit_group, &[300], false), Outcome::Exit(ExitStatus::Code(44)));
        assert_eq!(h.k.exit_status(h.pid), Some(ExitStatus::Code(44)));
        assert_eq!(h.k.files.live(), 0, "stdio descriptions released");
        assert_eq!(h.call(nr::getpid, &[], false), Outcome::Exit(ExitStatus::Code(44)));
    }

    #[test]
    fn unknown_syscall_is_enosys() {
        let mut h = Harness::new();
        assert_eq!(h.sys(9999, &[]), Errno::ENOSYS.neg());
        assert_eq!(h.sys(nr::wait4, &[u32::MAX, 0, 0, 0]), Errno::ECHILD.neg(), "no children");
    }
}

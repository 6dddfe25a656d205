//! Clocks and sleeping.

use super::*;
use crate::abi::flags::*;
use crate::abi::layout::{Timespec, TIMESPEC_SIZE};
use crate::engine::WaitKey;
use crate::Kernel;

/// Reads the clock `id` in nanoseconds.
fn clock_ns(k: &Kernel, pid: u32, id: u32) -> Result<u64, Errno> {
    match id {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => Ok(k.host.realtime_ns()),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => Ok(k.host.monotonic_ns()),
        // CPU time is approximated by time since the process started.
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => Ok(k.host.monotonic_ns().saturating_sub(k.proc(pid).start_ns)),
        _ => Err(Errno::EINVAL),
    }
}

fn read_timespec(c: &Call, addr: u32) -> Result<Timespec, Errno> {
    let mut b = [0u8; TIMESPEC_SIZE];
    c.mem.read(addr, &mut b)?;
    Timespec::decode(&b).filter(|t| t.sec >= 0).ok_or(Errno::EINVAL)
}

pub fn clock_gettime(k: &mut Kernel, c: &mut Call) -> SysResult {
    let ns = clock_ns(k, c.pid, c.u32(0))?;
    c.write_bytes(c.u32(1), &Timespec::from_nanos(ns).encode())?;
    Ok(0)
}

pub fn clock_getres(k: &mut Kernel, c: &mut Call) -> SysResult {
    clock_ns(k, c.pid, c.u32(0))?;
    if c.u32(1) != 0 {
        c.write_bytes(c.u32(1), &Timespec::from_nanos(1).encode())?;
    }
    Ok(0)
}

pub fn gettimeofday(k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.u32(0) != 0 {
        let ns = k.host.realtime_ns();
        let mut b = [0u8; 16];
        b[0..8].copy_from_slice(&((ns / 1_000_000_000) as i64).to_le_bytes());
        b[8..16].copy_from_slice(&(((ns % 1_000_000_000) / 1000) as i64).to_le_bytes());
        c.write_bytes(c.u32(0), &b)?;
    }
    if c.u32(1) != 0 {
        c.write_bytes(c.u32(1), &[0u8; 8])?;
    }
    Ok(0)
}

/// Sleeps until the monotonic deadline stored in the process; the first
/// call records it, retries compare against it.
fn sleep_until(k: &mut Kernel, c: &mut Call, deadline_of: impl FnOnce(&Kernel) -> u64) -> SysResult {
    let pid = c.pid;
    let deadline = match (c.retry, k.proc(pid).sleep_deadline) {
        (true, Some(d)) => d,
        _ => {
            let d = deadline_of(k);
            k.proc_mut(pid).sleep_deadline = Some(d);
            d
        }
    };
    if k.host.monotonic_ns() >= deadline {
        k.proc_mut(pid).sleep_deadline = None;
        return Ok(0);
    }
    Err(Stop::Pending(crate::engine::Pending { key: WaitKey::TIMER, deadline: Some(deadline) }))
}

pub fn nanosleep(k: &mut Kernel, c: &mut Call) -> SysResult {
    let req = read_timespec(c, c.u32(0))?;
    sleep_until(k, c, |k| k.host.monotonic_ns().saturating_add(req.as_nanos() as u64))
}

pub fn clock_nanosleep(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (id, flags) = (c.u32(0), c.u32(1));
    let now = clock_ns(k, c.pid, id)?;
    let req = read_timespec(c, c.u32(2))?;
    let mono = k.host.monotonic_ns();
    let rel = if flags & TIMER_ABSTIME != 0 { (req.as_nanos() as u64).saturating_sub(now) } else { req.as_nanos() as u64 };
    sleep_until(k, c, |_| mono.saturating_add(rel))
}

pub fn times(k: &mut Kernel, c: &mut Call) -> SysResult {
    // Clock ticks are 1/100 s (sysconf(_SC_CLK_TCK) in musl is 100).
    let ticks = (k.host.monotonic_ns() / 10_000_000) as u32;
    let cpu = (k.host.monotonic_ns().saturating_sub(k.proc(c.pid).start_ns) / 10_000_000) as u32;
    if c.u32(0) != 0 {
        let mut b = [0u8; 16];
        b[0..4].copy_from_slice(&cpu.to_le_bytes());
        c.write_bytes(c.u32(0), &b)?;
    }
    Ok(ticks as i64)
}

const ITIMER_REAL: u32 = 0;
const ITIMER_PROF: u32 = 2;
const NS_PER_US: u64 = 1000;
const US_PER_S: u64 = 1_000_000;

/// The `struct itimerval` musl passes on wasm32: four 32-bit longs
/// (interval sec, usec, value sec, usec), since `time_t` is wider than
/// `long` there.
fn encode_itimer(k: &Kernel, pid: u32) -> [u8; 16] {
    let now = k.host.monotonic_ns();
    let (interval, left) = match k.proc(pid).itimer {
        // A timer due but not yet fired reports the shortest time left.
        Some(t) => (t.interval, t.deadline.saturating_sub(now).max(NS_PER_US)),
        None => (0, 0),
    };
    let mut b = [0u8; 16];
    for (i, ns) in [interval, left].into_iter().enumerate() {
        let us = ns.div_ceil(NS_PER_US);
        b[i * 8..i * 8 + 4].copy_from_slice(&((us / US_PER_S) as u32).to_le_bytes());
        b[i * 8 + 4..i * 8 + 8].copy_from_slice(&((us % US_PER_S) as u32).to_le_bytes());
    }
    b
}

/// `ITIMER_VIRTUAL`/`ITIMER_PROF` need CPU time the kernel does not see:
/// `ENOSYS` rather than a timer that never fires.
fn check_which(which: u32) -> Result<(), Errno> {
    match which {
        ITIMER_REAL => Ok(()),
        w if w <= ITIMER_PROF => Err(Errno::ENOSYS),
        _ => Err(Errno::EINVAL),
    }
}

pub fn getitimer(k: &mut Kernel, c: &mut Call) -> SysResult {
    check_which(c.u32(0))?;
    let b = encode_itimer(k, c.pid);
    c.write_bytes(c.u32(1), &b)?;
    Ok(0)
}

/// `setitimer(ITIMER_REAL)` (musl's `alarm` too): `SIGALRM` when the value
/// runs out, then every interval. The kernel fires it in
/// [`Kernel::tick`].
pub fn setitimer(k: &mut Kernel, c: &mut Call) -> SysResult {
    check_which(c.u32(0))?;
    let (new, old) = (c.u32(1), c.u32(2));
    let parsed = if new != 0 {
        let b = c.read_bytes(new, 16)?;
        let w = |i: usize| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap()) as i32;
        let mut ns = [0u64; 2];
        for (j, slot) in ns.iter_mut().enumerate() {
            let (sec, usec) = (w(j * 2), w(j * 2 + 1));
            if sec < 0 || !(0..US_PER_S as i32).contains(&usec) {
                return Err(Errno::EINVAL.into());
            }
            *slot = (sec as u64 * US_PER_S + usec as u64) * NS_PER_US;
        }
        Some(ns)
    } else {
        None
    };
    if old != 0 {
        let b = encode_itimer(k, c.pid);
        c.write_bytes(old, &b)?;
    }
    if let Some([interval, value]) = parsed {
        let now = k.host.monotonic_ns();
        let pid = c.pid;
        k.proc_mut(pid).itimer = (value != 0).then(|| crate::process::Itimer { deadline: now + value, interval });
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use crate::abi::flags::*;
    use crate::abi::layout::Timespec;
    use crate::abi::syscalls::nr;
    use crate::engine::{Outcome, WaitKey};
    use crate::testutil::Harness;
    use crate::Errno;

    #[test]
    fn clock_gettime_reads_host_clocks() {
        let mut h = Harness::new();
        h.host.lock().unwrap().mono_ns = 5_000_000_123;
        let ts = h.alloc(16);
        assert_eq!(h.sys(nr::clock_gettime, &[CLOCK_MONOTONIC, ts]), 0);
        assert_eq!(h.u64_at(ts), 5);
        assert_eq!(h.u32_at(ts + 8), 123);
        assert_eq!(h.sys(nr::clock_gettime, &[CLOCK_REALTIME, ts]), 0);
        assert_eq!(h.u64_at(ts), 1_700_000_005);
        assert_eq!(h.sys(nr::clock_gettime, &[99, ts]), Errno::EINVAL.neg());
        assert_eq!(h.sys(nr::clock_getres, &[CLOCK_MONOTONIC, ts]), 0);
        assert_eq!((h.u64_at(ts), h.u32_at(ts + 8)), (0, 1));
    }

    #[test]
    fn nanosleep_is_pending_until_its_deadline_then_completes() {
        let mut h = Harness::new();
        let req = h.put(&Timespec { sec: 1, nsec: 500 }.encode());
        // First attempt parks on the timer with an absolute deadline.
        match h.call(nr::nanosleep, &[req, 0], false) {
            Outcome::Pending(p) => {
                assert_eq!(p.key, WaitKey::TIMER);
                assert_eq!(p.deadline, Some(1_000_000_500));
            }
            o => panic!("expected pending, got {o:?}"),
        }
        // A spurious early retry keeps the original deadline.
        h.host.lock().unwrap().mono_ns = 400_000_000;
        assert!(matches!(h.call(nr::nanosleep, &[req, 0], true), Outcome::Pending(p) if p.deadline == Some(1_000_000_500)));
        h.host.lock().unwrap().mono_ns = 1_000_000_500;
        assert_eq!(h.call(nr::nanosleep, &[req, 0], true), Outcome::Return(0));
        // The engine loop: one park, then done, clock advanced by 1 s.
        let (v, parked) = h.run(nr::nanosleep, &[req, 0]);
        assert_eq!((v, parked), (0, 1));
        assert_eq!(h.host.lock().unwrap().mono_ns, 2_000_001_000);
    }

    #[test]
    fn nanosleep_rejects_bad_timespec() {
        let mut h = Harness::new();
        let bad = h.put(&{
            let mut b = Timespec { sec: 0, nsec: 0 }.encode();
            b[8..12].copy_from_slice(&2_000_000_000u32.to_le_bytes());
            b
        });
        assert_eq!(h.sys(nr::nanosleep, &[bad, 0]), Errno::EINVAL.neg());
        assert_eq!(h.sys(nr::nanosleep, &[0xffff_fff0, 0]), Errno::EFAULT.neg());
    }

    #[test]
    fn clock_nanosleep_absolute_deadline() {
        let mut h = Harness::new();
        h.host.lock().unwrap().mono_ns = 10;
        let req = h.put(&Timespec { sec: 0, nsec: 110 }.encode());
        let (v, parked) = h.run(nr::clock_nanosleep, &[CLOCK_MONOTONIC, TIMER_ABSTIME, req, 0]);
        assert_eq!((v, parked), (0, 1));
        assert_eq!(h.host.lock().unwrap().mono_ns, 110);
    }

    #[test]
    fn gettimeofday_microseconds() {
        let mut h = Harness::new();
        h.host.lock().unwrap().mono_ns = 2_345_678;
        let tv = h.alloc(16);
        assert_eq!(h.sys(nr::gettimeofday, &[tv, 0]), 0);
        assert_eq!(h.u64_at(tv), 1_700_000_000);
        assert_eq!(h.u64_at(tv + 8), 2345);
    }
}

//! The process model across processes: fork, exit, wait, reparenting,
//! signals between processes, handler delivery, stop/continue, timers,
//! exec. Status words and errno values checked against Linux.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::pipe::pipe;
use super::*;
use crate::engine::{ExitStatus, Outcome, WaitKey, RESTART_SYSCALL};
use crate::signal::{SA_NODEFER, SA_RESETHAND, SA_RESTART};
use crate::KernelConfig;

const SIGUSR1: u32 = 10;
const SIGUSR2: u32 = 12;
const SIGTERM: u32 = 15;
const SIGALRM: u32 = 14;
const WNOHANG: u32 = 1;
const WUNTRACED: u32 = 2;
const WCONTINUED: u32 = 8;

fn exit(h: &mut Harness, code: u32) {
    assert!(matches!(h.call(nr::exit_group, &[code], false), Outcome::Exit(_)));
}

/// `wait4(pid, &status, options)`: (return value, status).
fn wait(h: &mut Harness, pid: i32, options: u32) -> (i64, u32) {
    let st = h.alloc(4);
    let r = h.sys(nr::wait4, &[pid as u32, st, options, 0]);
    (r, h.u32_at(st))
}

fn sigaction(h: &mut Harness, sig: u32, handler: u32, flags: u32, mask: u64) {
    let mut b = [0u8; 20];
    b[0..4].copy_from_slice(&handler.to_le_bytes());
    b[4..8].copy_from_slice(&flags.to_le_bytes());
    b[12..20].copy_from_slice(&mask.to_le_bytes());
    let a = h.put(&b);
    assert_eq!(h.sys(nr::rt_sigaction, &[sig, a, 0, 8]), 0);
}

fn mask(h: &mut Harness) -> u64 {
    let old = h.alloc(8);
    assert_eq!(h.sys(nr::rt_sigprocmask, &[SIG_BLOCK, 0, old, 8]), 0);
    h.u64_at(old)
}

fn bit(sig: u32) -> u64 {
    1 << (sig - 1)
}

fn kill(h: &mut Harness, pid: i32, sig: u32) -> i64 {
    h.sys(nr::kill, &[pid as u32, sig])
}

#[test]
fn fork_copies_identity_and_shares_descriptions() {
    let mut h = Harness::new();
    let parent = h.pid;
    let fd = open(&mut h, "/tmp/f", O_RDWR | O_CREAT, 0o644);
    assert_eq!(h.sys(nr::umask, &[0o027]), 0o022);
    let before = h.k.files.live();
    let child = h.fork();
    assert_eq!(h.k.files.live(), before, "descriptions are shared, not copied");
    h.switch(child);
    assert_eq!(h.sys(nr::getpid, &[]), child as i64);
    assert_eq!(h.sys(nr::getppid, &[]), parent as i64);
    assert_eq!(h.sys(nr::getpgid, &[0]), parent as i64);
    assert_eq!(h.sys(nr::getsid, &[0]), parent as i64);
    assert_eq!(h.sys(nr::umask, &[0o027]), 0o027);
    assert_eq!(write(&mut h, fd, b"abc"), 3);
    h.switch(parent);
    assert_eq!(seek(&mut h, fd, 0, SEEK_CUR), 3, "the child's write moved the shared offset");
    // Closing in one process leaves the other's descriptor working.
    close(&mut h, fd);
    h.switch(child);
    assert_eq!(seek(&mut h, fd, 0, SEEK_SET), 0);
    assert_eq!(read(&mut h, fd, 8).unwrap(), b"abc");
    exit(&mut h, 0);
    assert_eq!(h.k.files.live(), before - 1, "the child's exit dropped the last reference");
}

#[test]
fn fork_bomb_fails_with_eagain() {
    let mut h = Harness::with_config(KernelConfig { max_procs: 4, ..KernelConfig::default() });
    let pids: Vec<u32> = (0..3).map(|_| h.k.fork(h.pid).unwrap()).collect();
    assert_eq!(pids.len(), 3);
    assert_eq!(h.k.fork(h.pid), Err(Errno::EAGAIN));
    assert_eq!(h.k.fork(999), Err(Errno::ESRCH));
}

#[test]
fn wait_reports_exit_codes_and_reaps() {
    let mut h = Harness::new();
    assert_eq!(wait(&mut h, -1, 0).0, e(Errno::ECHILD));
    let child = h.fork();
    assert_eq!(wait(&mut h, -1, WNOHANG), (0, 0), "running child, WNOHANG");
    let parent = h.pid;
    // Blocking wait parks on the parent's process key...
    let st = h.alloc(4);
    match h.call(nr::wait4, &[u32::MAX, st, 0, 0], false) {
        Outcome::Pending(p) => assert_eq!(p.key, WaitKey::process(parent)),
        o => panic!("{o:?}"),
    }
    h.k.take_wakeups();
    h.as_pid(child, |h| exit(h, 300));
    // ...which the child's exit wakes.
    assert!(h.k.take_wakeups().contains(&WaitKey::process(parent)));
    let status = read_file(&mut h, &format!("/proc/{child}/stat")).unwrap();
    assert!(String::from_utf8(status).unwrap().contains(&format!(") Z {parent} ")), "a zombie until reaped");
    assert_eq!(h.call(nr::wait4, &[u32::MAX, st, 0, 0], true), Outcome::Return(child as i64));
    assert_eq!(h.u32_at(st), 44 << 8, "exit(300) keeps the low 8 bits");
    assert_eq!(stat(&mut h, &format!("/proc/{child}")).unwrap_err(), e(Errno::ENOENT), "reaped");
    assert_eq!(wait(&mut h, -1, WNOHANG).0, e(Errno::ECHILD));
}

#[test]
fn wait_selects_by_pid_and_group() {
    let mut h = Harness::new();
    let a = h.fork();
    let b = h.fork();
    assert_eq!(wait(&mut h, 12345, 0).0, e(Errno::ECHILD), "not a child");
    h.as_pid(b, |h| assert_eq!(h.sys(nr::setpgid, &[0, 0]), 0));
    h.as_pid(b, |h| exit(h, 2));
    h.as_pid(a, |h| exit(h, 1));
    assert_eq!(wait(&mut h, 0, 0), (a as i64, 1 << 8), "pid 0: only the caller's group");
    assert_eq!(wait(&mut h, 0, WNOHANG).0, e(Errno::ECHILD));
    assert_eq!(wait(&mut h, -(b as i32), 0), (b as i64, 2 << 8));
}

#[test]
fn waitid_reports_siginfo_and_wnowait_keeps_the_zombie() {
    let mut h = Harness::new();
    let child = h.fork();
    h.as_pid(child, |h| exit(h, 7));
    let info = h.alloc(128);
    const P_PID: u32 = 1;
    const WEXITED: u32 = 4;
    const WNOWAIT: u32 = 0x0100_0000;
    assert_eq!(h.sys(nr::waitid, &[P_PID, child, info, WEXITED | WNOWAIT, 0]), 0);
    assert_eq!((h.u32_at(info), h.u32_at(info + 8), h.u32_at(info + 12), h.u32_at(info + 20)), (SIGCHLD, 1, child, 7));
    assert_eq!(h.sys(nr::waitid, &[P_PID, child, info, WEXITED, 0]), 0);
    assert_eq!(h.sys(nr::waitid, &[P_PID, child, info, WEXITED, 0]), e(Errno::ECHILD));
    assert_eq!(h.sys(nr::waitid, &[P_PID, child, info, 0, 0]), e(Errno::EINVAL));
}

#[test]
fn kill_another_process_and_report_the_signal() {
    let mut h = Harness::new();
    let child = h.fork();
    assert_eq!(kill(&mut h, child as i32, 0), 0);
    assert_eq!(kill(&mut h, child as i32, SIGTERM), 0);
    assert_eq!(h.k.exit_status(child), Some(ExitStatus::Signal(SIGTERM)));
    assert_eq!(h.k.take_interrupts(), vec![child], "the engine must stop the victim's code");
    h.as_pid(child, |h| assert_eq!(h.call(nr::getpid, &[], false), Outcome::Exit(ExitStatus::Signal(SIGTERM))));
    assert_eq!(wait(&mut h, -1, 0), (child as i64, SIGTERM));
    assert_eq!(kill(&mut h, child as i32, SIGTERM), e(Errno::ESRCH));
    assert_eq!(kill(&mut h, 1, 99), e(Errno::EINVAL));
}

#[test]
fn process_group_kill_spares_other_groups() {
    let mut h = Harness::new();
    let a = h.fork();
    let b = h.fork();
    let other = h.fork();
    assert_eq!(h.sys(nr::setpgid, &[a, a]), 0);
    assert_eq!(h.sys(nr::setpgid, &[b, a]), 0);
    assert_eq!(h.sys(nr::setpgid, &[b, 4242]), e(Errno::EPERM), "no such group in the session");
    assert_eq!(h.sys(nr::getpgid, &[b]), a as i64);
    assert_eq!(kill(&mut h, -(a as i32), SIGTERM), 0);
    assert_eq!((h.k.exit_status(a), h.k.exit_status(b)), (Some(ExitStatus::Signal(SIGTERM)), Some(ExitStatus::Signal(SIGTERM))));
    assert_eq!(h.k.exit_status(other), None);
    assert_eq!(h.k.exit_status(h.pid), None);
    assert_eq!(kill(&mut h, -4242, SIGTERM), e(Errno::ESRCH));
    // kill(-1) reaches everyone but init and the caller.
    let me = h.pid;
    h.as_pid(other, |h| assert_eq!(kill(h, -1, SIGUSR1), e(Errno::ESRCH), "only init (the parent) is left"));
    assert_eq!(h.k.exit_status(me), None);
}

#[test]
fn orphans_go_to_init() {
    let mut h = Harness::new();
    assert_eq!(h.pid, 1, "the first process is init");
    let mid = h.fork();
    h.switch(mid);
    let grandchild = h.fork();
    let dead = h.fork();
    h.as_pid(dead, |h| exit(h, 3));
    exit(&mut h, 0);
    h.switch(grandchild);
    assert_eq!(h.sys(nr::getppid, &[]), 1);
    h.switch(1);
    assert_eq!(wait(&mut h, grandchild as i32, WNOHANG), (0, 0), "init may wait for its new child");
    assert_eq!(wait(&mut h, mid as i32, 0).0, mid as i64);
    assert_eq!(wait(&mut h, dead as i32, WNOHANG), (dead as i64, 3 << 8), "an orphaned zombie goes to init too");
}

#[test]
fn sigchld_reaches_a_handler_and_ignoring_it_reaps() {
    let mut h = Harness::with_signals();
    sigaction(&mut h, SIGCHLD, 0x100, 0, 0);
    let child = h.fork();
    h.as_pid(child, |h| exit(h, 5));
    let d = h.k.next_signal(h.pid).expect("SIGCHLD delivery");
    assert_eq!((d.sig, d.handler), (SIGCHLD, 0x100));
    let word = |i: usize| i32::from_le_bytes(d.siginfo[i..i + 4].try_into().unwrap());
    assert_eq!((word(0), word(8), word(12), word(20)), (SIGCHLD as i32, 1, child as i32, 5));
    h.k.signal_return(h.pid);
    // SIG_IGN: children vanish at exit (Linux's auto-reap).
    sigaction(&mut h, SIGCHLD, 1, 0, 0);
    let c2 = h.fork();
    h.as_pid(c2, |h| exit(h, 0));
    assert_eq!(wait(&mut h, c2 as i32, 0).0, e(Errno::ECHILD));
    // The engine still reads the status, then lets it go.
    assert_eq!(h.k.exit_status(c2), Some(ExitStatus::Code(0)));
    assert_eq!(h.k.reap(c2), Some(ExitStatus::Code(0)));
    assert!(h.k.procs.get(c2).is_none());
    // A zombie with a waiting parent is not the engine's to reap.
    sigaction(&mut h, SIGCHLD, 0, 0, 0);
    let c3 = h.fork();
    h.as_pid(c3, |h| exit(h, 9));
    assert_eq!(h.k.reap(c3), Some(ExitStatus::Code(9)));
    assert_eq!(wait(&mut h, c3 as i32, 0), (c3 as i64, 9 << 8));
}

#[test]
fn stop_and_continue() {
    let mut h = Harness::new();
    let child = h.fork();
    assert_eq!(kill(&mut h, child as i32, SIGSTOP), 0);
    assert!(h.k.is_stopped(child));
    let stat_line = read_file(&mut h, &format!("/proc/{child}/stat")).unwrap();
    assert!(String::from_utf8(stat_line).unwrap().contains(") T "));
    h.as_pid(child, |h| match h.call(nr::getpid, &[], false) {
        Outcome::Pending(p) => assert_eq!(p.key, WaitKey::process(child)),
        o => panic!("a stopped process runs no syscall: {o:?}"),
    });
    assert_eq!(wait(&mut h, -1, WNOHANG), (0, 0), "stops need WUNTRACED");
    assert_eq!(wait(&mut h, -1, WUNTRACED), (child as i64, 0x137f));
    assert_eq!(wait(&mut h, -1, WUNTRACED | WNOHANG), (0, 0), "reported once");
    h.k.take_wakeups();
    assert_eq!(kill(&mut h, child as i32, SIGCONT), 0);
    assert!(h.k.take_wakeups().contains(&WaitKey::process(child)));
    assert_eq!(wait(&mut h, -1, WCONTINUED), (child as i64, 0xffff));
    h.as_pid(child, |h| assert_eq!(h.sys(nr::getpid, &[]), child as i64));
    // Handlers wait while the process is stopped.
    let mut hs = Harness::with_signals();
    let c = hs.fork();
    hs.as_pid(c, |h| sigaction(h, SIGUSR1, 0x800, 0, 0));
    kill(&mut hs, c as i32, SIGSTOP);
    kill(&mut hs, c as i32, SIGUSR1);
    assert_eq!(hs.k.next_signal(c), None);
    kill(&mut hs, c as i32, SIGCONT);
    assert_eq!(hs.k.next_signal(c).map(|d| d.sig), Some(SIGUSR1));
    // SIGKILL ends a stopped process too.
    kill(&mut h, child as i32, SIGSTOP);
    kill(&mut h, child as i32, SIGKILL);
    assert_eq!(wait(&mut h, -1, 0), (child as i64, SIGKILL));
}

#[test]
fn sigsuspend_waits_for_a_handled_signal_and_restores_the_mask() {
    let mut h = Harness::with_signals();
    let me = h.pid;
    sigaction(&mut h, SIGUSR1, 0x200, 0, bit(SIGUSR2));
    let set = h.put(&bit(SIGUSR1).to_le_bytes());
    assert_eq!(h.sys(nr::rt_sigprocmask, &[SIG_BLOCK, set, 0, 8]), 0);
    let empty = h.put(&0u64.to_le_bytes());
    match h.call(nr::rt_sigsuspend, &[empty, 8], false) {
        Outcome::Pending(p) => assert_eq!(p.key, WaitKey::process(me)),
        o => panic!("{o:?}"),
    }
    assert_eq!(
        h.call(nr::rt_sigsuspend, &[empty, 8], true),
        Outcome::Pending(crate::Pending { key: WaitKey::process(me), deadline: None })
    );
    let child = h.fork();
    h.k.take_wakeups();
    h.as_pid(child, |h| assert_eq!(kill(h, me as i32, SIGUSR1), 0));
    assert!(h.k.take_wakeups().contains(&WaitKey::process(me)));
    assert!(h.k.take_interrupts().contains(&me));
    assert_eq!(h.call(nr::rt_sigsuspend, &[empty, 8], true), Outcome::Return(e(Errno::EINTR)));
    let d = h.k.next_signal(me).unwrap();
    assert_eq!((d.sig, d.handler), (SIGUSR1, 0x200));
    let siginfo_pid = u32::from_le_bytes(d.siginfo[12..16].try_into().unwrap());
    assert_eq!(siginfo_pid, child);
    assert_eq!(h.k.next_signal(me), None);
    // In the handler: sa_mask and the signal itself are blocked.
    assert_eq!(mask(&mut h), bit(SIGUSR1) | bit(SIGUSR2));
    h.k.signal_return(me);
    assert_eq!(mask(&mut h), bit(SIGUSR1), "the mask from before sigsuspend");
}

#[test]
fn resethand_and_nodefer() {
    let mut h = Harness::with_signals();
    let me = h.pid;
    sigaction(&mut h, SIGUSR1, 0x300, SA_RESETHAND | SA_NODEFER, 0);
    assert_eq!(kill(&mut h, me as i32, SIGUSR1), 0);
    let d = h.k.next_signal(me).unwrap();
    assert_eq!(d.flags, SA_RESETHAND | SA_NODEFER);
    assert_eq!(mask(&mut h), 0, "SA_NODEFER leaves the signal unblocked");
    h.k.signal_return(me);
    // The action went back to SIG_DFL: the next SIGUSR1 kills.
    assert_eq!(h.call(nr::kill, &[me, SIGUSR1], false), Outcome::Exit(ExitStatus::Signal(SIGUSR1)));
}

#[test]
fn blocking_calls_return_eintr_or_restart() {
    for (flags, want) in [(0, e(Errno::EINTR)), (SA_RESTART, RESTART_SYSCALL)] {
        let mut h = Harness::with_signals();
        let me = h.pid;
        sigaction(&mut h, SIGUSR1, 0x400, flags, 0);
        let (r, _w) = pipe(&mut h, 0);
        let buf = h.alloc(8);
        assert!(matches!(h.call(nr::read, &[r as u32, buf, 8], false), Outcome::Pending(_)));
        let child = h.fork();
        h.k.take_wakeups();
        h.as_pid(child, |h| kill(h, me as i32, SIGUSR1));
        assert!(h.k.take_wakeups().contains(&crate::pipe::read_key(1)), "the key the reader waits on is woken");
        assert_eq!(h.call(nr::read, &[r as u32, buf, 8], true), Outcome::Return(want));
        assert!(h.k.next_signal(me).is_some());
        h.k.signal_return(me);
        // Sleeps never restart.
        if flags == SA_RESTART {
            let ts = h.put(&Timespec { sec: 5, nsec: 0 }.encode());
            assert!(matches!(h.call(nr::nanosleep, &[ts, 0], false), Outcome::Pending(_)));
            h.as_pid(child, |h| kill(h, me as i32, SIGUSR1));
            assert_eq!(h.call(nr::nanosleep, &[ts, 0], true), Outcome::Return(e(Errno::EINTR)));
        }
    }
    // Without engine support, handled signals stay pending and waits go on.
    let mut h = Harness::new();
    let me = h.pid;
    sigaction(&mut h, SIGUSR1, 0x400, 0, 0);
    let (r, _w) = pipe(&mut h, 0);
    kill(&mut h, me as i32, SIGUSR1);
    let buf = h.alloc(8);
    assert!(matches!(h.call(nr::read, &[r as u32, buf, 8], false), Outcome::Pending(_)));
}

#[test]
fn alarm_fires_through_deadlines_and_tick() {
    let mut h = Harness::new();
    let me = h.pid;
    let itv = |h: &mut Harness, v: [u32; 4]| {
        let b: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        h.put(&b)
    };
    let one_sec = itv(&mut h, [0, 0, 1, 0]);
    let old = h.alloc(16);
    assert_eq!(h.sys(nr::setitimer, &[0, one_sec, old]), 0);
    assert_eq!(h.k.next_deadline(), Some(1_000_000_000));
    assert_eq!(h.sys(nr::setitimer, &[0, one_sec, old]), 0);
    assert_eq!((h.u32_at(old + 8), h.u32_at(old + 12)), (1, 0), "alarm(1) again: 1 s was left");
    assert_eq!(h.sys(nr::setitimer, &[1, one_sec, old]), e(Errno::ENOSYS));
    // A long sleep parks only until the alarm.
    let ts = h.put(&Timespec { sec: 10, nsec: 0 }.encode());
    match h.call(nr::nanosleep, &[ts, 0], false) {
        Outcome::Pending(p) => assert_eq!(p.deadline, Some(1_000_000_000)),
        o => panic!("{o:?}"),
    }
    h.host.lock().unwrap().mono_ns = 1_000_000_000;
    assert_eq!(h.call(nr::nanosleep, &[ts, 0], true), Outcome::Exit(ExitStatus::Signal(SIGALRM)));

    // CPU-bound code: the engine asks for the next deadline and ticks.
    let mut h = Harness::with_signals();
    let me2 = h.pid;
    sigaction(&mut h, SIGALRM, 0x500, 0, 0);
    let periodic = itv(&mut h, [0, 500_000, 0, 500_000]);
    assert_eq!(h.sys(nr::setitimer, &[0, periodic, 0]), 0);
    h.host.lock().unwrap().mono_ns = 1_200_000_000;
    h.k.tick();
    assert_eq!(h.k.take_interrupts(), vec![me2]);
    assert_eq!(h.k.next_signal(me2).map(|d| d.sig), Some(SIGALRM));
    h.k.signal_return(me2);
    assert_eq!(h.k.next_deadline(), Some(1_500_000_000), "rearmed on the period, missed ticks merged");
    let get = h.alloc(16);
    assert_eq!(h.sys(nr::getitimer, &[0, get]), 0);
    assert_eq!((h.u32_at(get), h.u32_at(get + 4), h.u32_at(get + 8), h.u32_at(get + 12)), (0, 500_000, 0, 300_000));
    let _ = me;
}

#[test]
fn exec_resolves_checks_and_replaces() {
    let mut h = Harness::new();
    let me = h.pid;
    h.k.write_file(b"/bin/prog", b"\0asm\x01\0\0\0", 0o755).unwrap();
    h.k.write_file(b"/bin/noexec", b"\0asm\x01\0\0\0", 0o644).unwrap();
    h.k.write_file(b"/bin/junk", b"MZ...", 0o755).unwrap();
    h.k.write_file(b"/bin/script", b"#! /bin/prog -x \nbody\n", 0o755).unwrap();
    h.k.write_file(b"/bin/loop", b"#!/bin/loop\n", 0o755).unwrap();
    let strs = |h: &mut Harness, list: &[&str]| {
        let ptrs: Vec<u32> = list.iter().map(|s| h.cstr(s)).collect();
        let mut b: Vec<u8> = ptrs.iter().flat_map(|p| p.to_le_bytes()).collect();
        b.extend_from_slice(&[0; 4]);
        h.put(&b)
    };
    let exec = |h: &mut Harness, path: &str, argv: &[&str]| {
        let (p, a, env) = (h.cstr(path), strs(h, argv), strs(h, &["K=V"]));
        h.k.execve(me, &mut h.mem, [p, a, env, 0, 0, 0])
    };
    assert_eq!(exec(&mut h, "/bin/nope", &["x"]), Err(Errno::ENOENT));
    assert_eq!(exec(&mut h, "", &["x"]), Err(Errno::ENOENT));
    assert_eq!(exec(&mut h, "/bin/noexec", &["x"]), Err(Errno::EACCES));
    assert_eq!(exec(&mut h, "/bin", &["x"]), Err(Errno::EACCES));
    assert_eq!(exec(&mut h, "/bin/junk", &["x"]), Err(Errno::ENOEXEC));
    assert_eq!(exec(&mut h, "/bin/prog/x", &["x"]), Err(Errno::ENOTDIR));
    assert_eq!(exec(&mut h, "/bin/loop", &["x"]), Err(Errno::ELOOP));
    let img = exec(&mut h, "/bin/script", &["script", "a1"]).unwrap();
    assert_eq!(img.path, b"/bin/prog");
    assert_eq!(img.argv, ["/bin/prog", "-x", "/bin/script", "a1"].map(|s| s.as_bytes().to_vec()));
    assert_eq!(img.envp, vec![b"K=V".to_vec()]);
    assert!(img.binary.starts_with(b"\0asm"));

    // Commit: CLOEXEC descriptors close, handlers reset, ignored stays.
    let keep = open(&mut h, "/bin/prog", O_RDONLY, 0);
    let gone = open(&mut h, "/bin/prog", O_RDONLY | O_CLOEXEC, 0);
    sigaction(&mut h, SIGUSR1, 0x600, 0, 0);
    sigaction(&mut h, SIGUSR2, 1, 0, 0);
    let img = exec(&mut h, "/bin/prog", &["prog", "z"]).unwrap();
    h.k.exec_commit(me, &img);
    assert!(fstat(&mut h, keep).is_ok());
    assert_eq!(fstat(&mut h, gone).unwrap_err(), e(Errno::EBADF));
    let old = h.alloc(20);
    assert_eq!(h.sys(nr::rt_sigaction, &[SIGUSR1, 0, old, 8]), 0);
    assert_eq!(h.u32_at(old), 0, "handled: back to SIG_DFL");
    assert_eq!(h.sys(nr::rt_sigaction, &[SIGUSR2, 0, old, 8]), 0);
    assert_eq!(h.u32_at(old), 1, "ignored stays ignored");
    assert_eq!(read_file(&mut h, "/proc/self/cmdline").unwrap(), b"prog\0z\0");
    assert_eq!(readlink(&mut h, "/proc/self/exe", 64).unwrap(), b"/bin/prog");
    assert_eq!(h.sys(nr::getpid, &[]), me as i64);
}

#[test]
fn setpgid_and_setsid_rules() {
    let mut h = Harness::new();
    let child = h.fork();
    h.switch(child);
    assert_eq!(h.sys(nr::setsid, &[]), child as i64, "a non-leader may start a session");
    assert_eq!(h.sys(nr::getsid, &[0]), child as i64);
    h.switch(1);
    assert_eq!(h.sys(nr::setpgid, &[child, 1]), e(Errno::EPERM), "a child in another session");
    assert_eq!(h.sys(nr::setpgid, &[999, 0]), e(Errno::ESRCH));
    let c2 = h.fork();
    let img = crate::ExecImage { path: b"/x".to_vec(), binary: vec![], argv: vec![], envp: vec![] };
    h.k.exec_commit(c2, &img);
    assert_eq!(h.sys(nr::setpgid, &[c2, 0]), e(Errno::EACCES), "the child has exec'd");
}

#[test]
fn ppoll_mask_is_temporary_and_proc_status_shows_signals() {
    let mut h = Harness::with_signals();
    let me = h.pid;
    sigaction(&mut h, SIGUSR1, 0x700, 0, 0);
    sigaction(&mut h, SIGUSR2, 1, 0, 0);
    let set = h.put(&bit(SIGUSR1).to_le_bytes());
    assert_eq!(h.sys(nr::rt_sigprocmask, &[SIG_BLOCK, set, 0, 8]), 0);
    let status = String::from_utf8(read_file(&mut h, "/proc/self/status").unwrap()).unwrap();
    assert!(status.contains("\nSigBlk:\t0000000000000200\nSigIgn:\t0000000000000800\nSigCgt:\t0000000000000200\n"), "{status}");
    let (r, _w) = pipe(&mut h, 0);
    let mut pfd = (r as i32).to_le_bytes().to_vec();
    pfd.extend_from_slice(&[1, 0, 0, 0]);
    let pfd = h.put(&pfd);
    let empty = h.put(&0u64.to_le_bytes());
    let zero = h.put(&Timespec { sec: 0, nsec: 0 }.encode());
    // Completing: the mask comes back at once.
    assert_eq!(h.sys(nr::ppoll, &[pfd, 1, zero, empty, 8]), 0);
    assert_eq!(mask(&mut h), bit(SIGUSR1));
    // Interrupted by a signal only the temporary mask lets in.
    assert!(matches!(h.call(nr::ppoll, &[pfd, 1, 0, empty, 8], false), Outcome::Pending(_)));
    let child = h.fork();
    h.as_pid(child, |h| kill(h, me as i32, SIGUSR1));
    assert_eq!(h.call(nr::ppoll, &[pfd, 1, 0, empty, 8], true), Outcome::Return(e(Errno::EINTR)));
    assert_eq!(h.k.next_signal(me).map(|d| d.sig), Some(SIGUSR1));
    h.k.signal_return(me);
    assert_eq!(mask(&mut h), bit(SIGUSR1));
    // rt_sigtimedwait takes a blocked pending signal without a handler.
    h.as_pid(child, |h| kill(h, me as i32, SIGUSR1));
    let status = String::from_utf8(read_file(&mut h, "/proc/self/status").unwrap()).unwrap();
    assert!(status.contains("\nSigPnd:\t0000000000000200\n"), "{status}");
    let info = h.alloc(128);
    assert_eq!(h.sys(nr::rt_sigtimedwait, &[set, info, 0, 8]), SIGUSR1 as i64);
    assert_eq!((h.u32_at(info), h.u32_at(info + 12)), (SIGUSR1, child));
    assert_eq!(h.sys(nr::rt_sigtimedwait, &[set, info, zero, 8]), e(Errno::EAGAIN));
}

#[test]
fn foreground_group_and_engine_signals() {
    let mut h = Harness::new();
    const TIOCGPGRP: u32 = 0x540F;
    const TIOCSPGRP: u32 = 0x5410;
    let job = h.fork();
    assert_eq!(h.sys(nr::setpgid, &[job, job]), 0);
    let pg = h.alloc(4);
    assert_eq!(h.sys(nr::ioctl, &[0, TIOCGPGRP, pg]), 0);
    assert_eq!(h.u32_at(pg), h.pid, "the first process's group");
    let bad = h.put(&4242u32.to_le_bytes());
    assert_eq!(h.sys(nr::ioctl, &[0, TIOCSPGRP, bad]), e(Errno::EPERM));
    let fg = h.put(&job.to_le_bytes());
    assert_eq!(h.sys(nr::ioctl, &[0, TIOCSPGRP, fg]), 0);
    assert_eq!(h.sys(nr::ioctl, &[0, TIOCGPGRP, pg]), 0);
    assert_eq!(h.u32_at(pg), job);
    // ^C reaches the foreground job only.
    assert_eq!(h.k.tty_signal(2), 1);
    assert_eq!(h.k.exit_status(job), Some(ExitStatus::Signal(2)));
    assert_eq!(h.k.exit_status(h.pid), None);
    assert_eq!(h.k.send(h.pid, 0), Err(Errno::EINVAL));
    assert_eq!(h.k.send(999, SIGTERM), Err(Errno::ESRCH));
    assert_eq!(h.k.send(h.pid, SIGTERM), Ok(()));
    assert_eq!(h.k.exit_status(h.pid), Some(ExitStatus::Signal(SIGTERM)));
}

#[test]
fn stopped_orphaned_group_gets_sighup_and_sigcont() {
    let mut h = Harness::new();
    let leader = h.fork();
    h.switch(leader);
    assert_eq!(h.sys(nr::setsid, &[]), leader as i64);
    let job = h.fork();
    assert_eq!(h.sys(nr::setpgid, &[job, job]), 0);
    let calm = h.fork();
    assert_eq!(h.sys(nr::setpgid, &[calm, job]), 0);
    h.as_pid(calm, |h| sigaction(h, 1, 1, 0, 0)); // SIGHUP ignored
    assert_eq!(kill(&mut h, job as i32, SIGSTOP), 0);
    assert_eq!(kill(&mut h, calm as i32, SIGSTOP), 0);
    // The session leader anchors the group; when it exits, the group is
    // orphaned (init is in another session) with stopped members.
    exit(&mut h, 0);
    assert_eq!(h.k.exit_status(job), Some(ExitStatus::Signal(1)), "SIGHUP's default action");
    assert_eq!(h.k.exit_status(calm), None);
    assert!(!h.k.is_stopped(calm), "SIGCONT followed");
}

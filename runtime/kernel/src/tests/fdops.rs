//! Descriptor operations: close, dup, fcntl, ioctl, poll.

use super::*;
use crate::engine::{Outcome, WaitKey};

#[test]
fn close_and_close_range() {
    let mut h = Harness::new();
    let fds: alloc::vec::Vec<i64> = (0..4).map(|_| open(&mut h, "/dev/null", O_RDONLY, 0)).collect();
    assert_eq!(fds, [3, 4, 5, 6]);
    assert_eq!(close(&mut h, 3), 0);
    assert_eq!(close(&mut h, 3), e(Errno::EBADF));
    assert_eq!(close(&mut h, -1), e(Errno::EBADF));
    assert_eq!(open(&mut h, "/dev/null", O_RDONLY, 0), 3, "lowest free descriptor");
    assert_eq!(h.sys(nr::close_range, &[5, 3, 0]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::close_range, &[3, 5, 0x80]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::close_range, &[5, u32::MAX, 4]), 0, "CLOSE_RANGE_CLOEXEC");
    assert_eq!(h.sys(nr::fcntl, &[6, F_GETFD, 0]), 1);
    assert_eq!(h.sys(nr::close_range, &[4, u32::MAX, 0]), 0);
    assert_eq!(h.sys(nr::fcntl, &[4, F_GETFD, 0]), e(Errno::EBADF));
    assert_eq!(h.sys(nr::fcntl, &[3, F_GETFD, 0]), 0);
}

#[test]
fn dup_shares_the_offset() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"abcdef");
    let a = open(&mut h, "/tmp/f", O_RDONLY, 0);
    let b = h.sys(nr::dup, &[a as u32]);
    assert_eq!(b, a + 1);
    assert_eq!(read(&mut h, a, 2).unwrap(), b"ab");
    assert_eq!(read(&mut h, b, 2).unwrap(), b"cd");
    let c = h.sys(nr::fcntl, &[a as u32, F_DUPFD, 10]);
    assert_eq!(c, 10);
    assert_eq!(read(&mut h, c, 2).unwrap(), b"ef");
    // Closing one leaves the description to the others.
    close(&mut h, a);
    assert_eq!(seek(&mut h, b, 0, SEEK_CUR), 6);
    // A separate open has its own offset.
    let d = open(&mut h, "/tmp/f", O_RDONLY, 0);
    assert_eq!(read(&mut h, d, 1).unwrap(), b"a");
    // F_SETFL on one is seen through the others.
    assert_eq!(h.sys(nr::fcntl, &[b as u32, F_SETFL, O_NONBLOCK]), 0);
    assert_eq!(h.sys(nr::fcntl, &[c as u32, F_GETFL, 0]), (O_NONBLOCK | O_LARGEFILE) as i64);
}

#[test]
fn dup3_and_fcntl_dupfd_rules() {
    let mut h = Harness::new();
    let a = open(&mut h, "/dev/null", O_RDWR, 0);
    assert_eq!(h.sys(nr::dup3, &[a as u32, a as u32, 0]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::dup3, &[a as u32, 8, O_NONBLOCK]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::dup3, &[99, 8, 0]), e(Errno::EBADF));
    assert_eq!(h.sys(nr::dup3, &[a as u32, 5000, 0]), e(Errno::EBADF), "beyond RLIMIT_NOFILE");
    assert_eq!(h.sys(nr::dup3, &[a as u32, 8, O_CLOEXEC]), 8);
    assert_eq!(h.sys(nr::fcntl, &[8, F_GETFD, 0]), FD_CLOEXEC as i64);
    assert_eq!(h.sys(nr::dup3, &[a as u32, 8, 0]), 8, "replacing an open descriptor");
    assert_eq!(h.sys(nr::fcntl, &[8, F_GETFD, 0]), 0);
    // Stdout over 8: writes through 8 now reach stdout.
    assert_eq!(h.sys(nr::dup3, &[1, 8, 0]), 8);
    assert_eq!(write(&mut h, 8, b"via 8"), 5);
    assert_eq!(h.stdout(), b"via 8");
    assert_eq!(h.sys(nr::fcntl, &[a as u32, F_DUPFD_CLOEXEC, 20]), 20);
    assert_eq!(h.sys(nr::fcntl, &[20, F_GETFD, 0]), 1);
    assert_eq!(h.sys(nr::fcntl, &[a as u32, F_DUPFD, 1024]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::fcntl, &[a as u32, F_DUPFD, u32::MAX]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::fcntl, &[a as u32, F_DUPFD, 1023]), 1023);
    assert_eq!(h.sys(nr::fcntl, &[a as u32, F_DUPFD, 1023]), e(Errno::EMFILE));
}

#[test]
fn fcntl_flags_locks_and_unknowns() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"");
    let fd = open(&mut h, "/tmp/f", O_RDWR | O_CLOEXEC | O_APPEND, 0);
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETFL, 0]), (O_RDWR | O_APPEND | O_LARGEFILE) as i64);
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETFD, 0]), 1);
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_SETFD, 0xff]), 0);
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETFD, 0]), 1);
    // Only the status flags change; the access mode stays.
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_SETFL, O_RDONLY | O_CREAT | O_DIRECT]), 0);
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETFL, 0]), (O_RDWR | O_DIRECT | O_LARGEFILE) as i64);
    let dir = open(&mut h, "/tmp", O_RDONLY | O_DIRECTORY, 0);
    assert_eq!(h.sys(nr::fcntl, &[dir as u32, F_GETFL, 0]), (O_DIRECTORY | O_LARGEFILE) as i64);
    let p = open(&mut h, "/tmp/f", O_PATH, 0);
    assert_eq!(h.sys(nr::fcntl, &[p as u32, F_GETFL, 0]), O_PATH as i64);
    assert_eq!(h.sys(nr::fcntl, &[p as u32, F_SETFL, O_NONBLOCK]), e(Errno::EBADF));
    // struct flock: l_type i16, l_whence i16, l_start i64 @8, l_len i64 @16.
    let fl = h.alloc(32);
    h.mem.bytes[fl as usize] = 1; // F_WRLCK
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETLK, fl]), 0);
    assert_eq!(h.mem.bytes[fl as usize], 2, "F_UNLCK: nothing conflicts");
    h.mem.bytes[fl as usize] = 1;
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_SETLKW, fl]), 0);
    h.mem.bytes[fl as usize] = 99;
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_SETLK, fl]), e(Errno::EINVAL));
    let rd = open(&mut h, "/tmp/f", O_RDONLY, 0);
    h.mem.bytes[fl as usize] = 1;
    assert_eq!(h.sys(nr::fcntl, &[rd as u32, F_SETLK, fl]), e(Errno::EBADF), "write lock needs write access");
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETPIPE_SZ, 0]), e(Errno::EBADF), "not a pipe");
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, 99, 0]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::fcntl, &[77, F_GETFL, 0]), e(Errno::EBADF));
}

#[test]
fn ioctl_terminal_requests() {
    let mut h = Harness::new();
    // stdin is a terminal in the test host, stdout is a pipe.
    let t = h.alloc(60);
    assert_eq!(h.sys(nr::ioctl, &[0, TCGETS, t]), 0);
    assert_eq!(h.u32_at(t + 12) & 0x2, 0x2, "ICANON");
    assert_eq!(h.mem.bytes[t as usize + 17], 3, "VINTR is ^C");
    assert_eq!(h.sys(nr::ioctl, &[1, TCGETS, t]), e(Errno::ENOTTY));
    // Raw mode sticks.
    let lflag = h.u32_at(t + 12) & !0xa;
    h.mem.bytes[t as usize + 12..t as usize + 16].copy_from_slice(&lflag.to_le_bytes());
    assert_eq!(h.sys(nr::ioctl, &[0, TCSETSW, t]), 0);
    let t2 = h.alloc(60);
    h.sys(nr::ioctl, &[0, TCGETS, t2]);
    assert_eq!(h.u32_at(t2 + 12), lflag);
    let ws = h.alloc(8);
    assert_eq!(h.sys(nr::ioctl, &[0, TIOCGWINSZ, ws]), 0);
    assert_eq!((h.u32_at(ws) & 0xffff, h.u32_at(ws) >> 16), (24, 80));
    assert_eq!(h.sys(nr::ioctl, &[1, TIOCGWINSZ, ws]), e(Errno::ENOTTY));
    let pg = h.alloc(4);
    assert_eq!(h.sys(nr::ioctl, &[0, TIOCGPGRP, pg]), 0);
    assert_eq!(h.u32_at(pg), h.pid);
    assert_eq!(h.sys(nr::ioctl, &[0, TIOCSPGRP, pg]), 0);
    // Files are not terminals; FIONREAD says what is left.
    write_file(&mut h, "/tmp/f", b"0123456789");
    let fd = open(&mut h, "/tmp/f", O_RDONLY, 0);
    assert_eq!(h.sys(nr::ioctl, &[fd as u32, TCGETS, t]), e(Errno::ENOTTY));
    assert_eq!(h.sys(nr::ioctl, &[fd as u32, 0x1234, t]), e(Errno::ENOTTY));
    seek(&mut h, fd, 3, SEEK_SET);
    let n = h.alloc(4);
    assert_eq!(h.sys(nr::ioctl, &[fd as u32, FIONREAD, n]), 0);
    assert_eq!(h.u32_at(n), 7);
    h.k.stdin_input(b"abc");
    assert_eq!(h.sys(nr::ioctl, &[0, FIONREAD, n]), 0);
    assert_eq!(h.u32_at(n), 3);
    let d = open(&mut h, "/tmp", O_RDONLY, 0);
    assert_eq!(h.sys(nr::ioctl, &[d as u32, FIONREAD, n]), e(Errno::ENOTTY));
    assert_eq!(h.sys(nr::ioctl, &[fd as u32, FIOCLEX, 0]), 0);
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETFD, 0]), 1);
    assert_eq!(h.sys(nr::ioctl, &[fd as u32, FIONCLEX, 0]), 0);
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETFD, 0]), 0);
    let tty = open(&mut h, "/dev/tty", O_RDWR, 0);
    assert_eq!(h.sys(nr::ioctl, &[tty as u32, TCGETS, t]), 0);
}

fn pollfd(h: &mut Harness, fds: &[(i32, u16)]) -> u32 {
    let mut b = alloc::vec::Vec::new();
    for &(fd, ev) in fds {
        b.extend_from_slice(&fd.to_le_bytes());
        b.extend_from_slice(&ev.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
    }
    h.put(&b)
}

#[test]
fn ppoll_waits_for_stdin_and_times_out() {
    let mut h = Harness::new();
    let fd = open(&mut h, "/dev/null", O_RDWR, 0);
    // A file is ready at once; a closed slot is POLLNVAL; fd -1 is skipped.
    let p = pollfd(&mut h, &[(fd as i32, 1 | 4), (9, 1), (-1, 1)]);
    assert_eq!(h.sys(nr::ppoll, &[p, 3, 0, 0, 8]), 2);
    assert_eq!(h.u32_at(p + 4) >> 16, 5);
    assert_eq!(h.u32_at(p + 12) >> 16, 0x20);
    assert_eq!(h.u32_at(p + 20) >> 16, 0);
    // stdin with nothing to read: wait on STDIN, with the deadline.
    let p = pollfd(&mut h, &[(0, 1)]);
    let tmo = h.put(&Timespec { sec: 2, nsec: 0 }.encode());
    match h.call(nr::ppoll, &[p, 1, tmo, 0, 8], false) {
        Outcome::Pending(pd) => assert_eq!((pd.key, pd.deadline), (WaitKey::STDIN, Some(2_000_000_000))),
        o => panic!("expected pending, got {o:?}"),
    }
    h.k.stdin_input(b"k");
    assert_eq!(h.call(nr::ppoll, &[p, 1, tmo, 0, 8], true), Outcome::Return(1));
    assert_eq!(h.u32_at(p + 4) >> 16, 1);
    let buf = h.alloc(4);
    h.sys(nr::read, &[0, buf, 4]);
    // Nothing arrives: the deadline ends the wait with 0.
    let (v, parked) = h.run(nr::ppoll, &[p, 1, tmo, 0, 8]);
    assert_eq!((v, parked), (0, 1));
    let zero = h.put(&Timespec { sec: 0, nsec: 0 }.encode());
    assert_eq!(h.sys(nr::ppoll, &[p, 1, zero, 0, 8]), 0);
}

#[test]
fn pselect_reports_ready_sets() {
    let mut h = Harness::new();
    let fd = open(&mut h, "/dev/null", O_RDWR, 0);
    let bit = |fds: &[i64]| fds.iter().fold(0u32, |a, &f| a | 1 << f);
    let r = h.put(&bit(&[0, fd]).to_le_bytes());
    let w = h.put(&bit(&[1, fd]).to_le_bytes());
    let zero = h.put(&Timespec { sec: 0, nsec: 0 }.encode());
    assert_eq!(h.sys(nr::pselect6, &[fd as u32 + 1, r, w, 0, zero, 0]), 3);
    assert_eq!(h.u32_at(r), bit(&[fd]), "stdin has nothing yet");
    assert_eq!(h.u32_at(w), bit(&[1, fd]));
    let bad = h.put(&bit(&[9]).to_le_bytes());
    assert_eq!(h.sys(nr::pselect6, &[10, bad, 0, 0, zero, 0]), e(Errno::EBADF));
}

//! Reading, writing and seeking: files, devices, host streams, standard
//! input that is not there yet.

use alloc::vec;

use super::*;
use crate::engine::{Outcome, StreamKind, WaitKey};

#[test]
fn write_read_seek_round_trip() {
    let mut h = Harness::new();
    let fd = open(&mut h, "/tmp/f", O_RDWR | O_CREAT, 0o644);
    assert_eq!(write(&mut h, fd, b"hello world"), 11);
    assert_eq!(seek(&mut h, fd, 0, SEEK_CUR), 11);
    assert_eq!(seek(&mut h, fd, 6, SEEK_SET), 6);
    assert_eq!(read(&mut h, fd, 100).unwrap(), b"world");
    assert_eq!(read(&mut h, fd, 100).unwrap(), b"", "EOF");
    assert_eq!(seek(&mut h, fd, -5, SEEK_END), 6);
    assert_eq!(write(&mut h, fd, b"WORLD!"), 6);
    assert_eq!(seek(&mut h, fd, 0, SEEK_SET), 0);
    assert_eq!(read(&mut h, fd, 100).unwrap(), b"hello WORLD!");
    // Past the end: a hole of zeros.
    assert_eq!(seek(&mut h, fd, 20, SEEK_SET), 20);
    assert_eq!(write(&mut h, fd, b"z"), 1);
    assert_eq!(read_file(&mut h, "/tmp/f").unwrap(), b"hello WORLD!\0\0\0\0\0\0\0\0z");
    assert_eq!(seek(&mut h, fd, -1, SEEK_SET), e(Errno::EINVAL));
    assert_eq!(seek(&mut h, fd, 0, 7), e(Errno::EINVAL));
    assert_eq!(seek(&mut h, fd, 100, SEEK_END), 121);
    assert_eq!(seek(&mut h, fd, 0, SEEK_DATA), 0);
    assert_eq!(seek(&mut h, fd, 3, SEEK_HOLE), 21);
    assert_eq!(seek(&mut h, fd, 21, SEEK_DATA), e(Errno::ENXIO));
    assert_eq!(seek(&mut h, fd, i64::MAX, SEEK_SET), i64::MAX);
    assert_eq!(seek(&mut h, fd, 1, SEEK_CUR), e(Errno::EINVAL), "overflow");
}

#[test]
fn access_modes_are_enforced() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"abc");
    let r = open(&mut h, "/tmp/f", O_RDONLY, 0);
    let w = open(&mut h, "/tmp/f", O_WRONLY, 0);
    let p = open(&mut h, "/tmp/f", O_PATH, 0);
    assert_eq!(write(&mut h, r, b"x"), e(Errno::EBADF));
    assert_eq!(read(&mut h, w, 1), Err(e(Errno::EBADF)));
    assert_eq!(read(&mut h, p, 1), Err(e(Errno::EBADF)));
    assert_eq!(seek(&mut h, p, 0, SEEK_SET), e(Errno::EBADF));
    let d = open(&mut h, "/tmp", O_RDONLY, 0);
    assert_eq!(read(&mut h, d, 1), Err(e(Errno::EISDIR)));
    assert_eq!(seek(&mut h, d, 0, SEEK_END), e(Errno::EINVAL));
    assert_eq!(read(&mut h, 42, 1), Err(e(Errno::EBADF)));
    // A buffer outside memory.
    assert_eq!(h.sys(nr::read, &[r as u32, 0xffff_0000, 16]), e(Errno::EFAULT));
}

#[test]
fn append_writes_at_the_end() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/log", b"one\n");
    let a = open(&mut h, "/tmp/log", O_WRONLY | O_APPEND, 0);
    let b = open(&mut h, "/tmp/log", O_WRONLY, 0);
    assert_eq!(write(&mut h, b, b"ONE\n"), 4);
    assert_eq!(write(&mut h, a, b"two\n"), 4);
    assert_eq!(seek(&mut h, a, 0, SEEK_CUR), 8);
    // Even pwrite appends on an O_APPEND description, as on Linux.
    let buf = h.put(b"3\n");
    assert_eq!(h.sys(nr::pwrite64, &[a as u32, buf, 2, 0, 0]), 2);
    assert_eq!(read_file(&mut h, "/tmp/log").unwrap(), b"ONE\ntwo\n3\n");
}

#[test]
fn pread_pwrite_leave_the_offset_alone() {
    let mut h = Harness::new();
    let fd = open(&mut h, "/tmp/f", O_RDWR | O_CREAT, 0o644);
    write(&mut h, fd, b"0123456789");
    let buf = h.alloc(4);
    assert_eq!(h.sys(nr::pread64, &[fd as u32, buf, 4, 3, 0]), 4);
    assert_eq!(h.bytes(buf, 4), b"3456");
    let data = h.put(b"AB");
    assert_eq!(h.sys(nr::pwrite64, &[fd as u32, data, 2, 8, 0]), 2);
    assert_eq!(seek(&mut h, fd, 0, SEEK_CUR), 10);
    assert_eq!(h.sys(nr::pread64, &[fd as u32, buf, 4, u32::MAX, u32::MAX]), e(Errno::EINVAL));
    // A 64-bit offset: the high register counts.
    assert_eq!(h.sys(nr::pwrite64, &[fd as u32, data, 1, 0, 1]), 1);
    assert_eq!(fstat(&mut h, fd).unwrap().size, (1 << 32) + 1);
    assert_eq!(fstat(&mut h, fd).unwrap().blocks, 16, "sparse: two pages");
    let tty = 1;
    assert_eq!(h.sys(nr::pread64, &[tty, buf, 4, 0, 0]), e(Errno::ESPIPE));
}

#[test]
fn readv_writev_scatter_and_gather() {
    let mut h = Harness::new();
    let fd = open(&mut h, "/tmp/v", O_RDWR | O_CREAT, 0o644);
    let (a, b) = (h.put(b"abc"), h.put(b"defgh"));
    let mut iov = vec![];
    for (base, len) in [(a, 3u32), (0, 0), (b, 5)] {
        iov.extend_from_slice(&base.to_le_bytes());
        iov.extend_from_slice(&len.to_le_bytes());
    }
    let iov = h.put(&iov);
    assert_eq!(h.sys(nr::writev, &[fd as u32, iov, 3]), 8);
    seek(&mut h, fd, 0, SEEK_SET);
    let (x, y) = (h.alloc(2), h.alloc(10));
    let mut rv = vec![];
    for (base, len) in [(x, 2u32), (y, 10)] {
        rv.extend_from_slice(&base.to_le_bytes());
        rv.extend_from_slice(&len.to_le_bytes());
    }
    let rv = h.put(&rv);
    assert_eq!(h.sys(nr::readv, &[fd as u32, rv, 2]), 8);
    assert_eq!(h.bytes(x, 2), b"ab");
    assert_eq!(h.bytes(y, 6), b"cdefgh");
    assert_eq!(h.sys(nr::preadv, &[fd as u32, rv, 2, 6, 0]), 2);
    assert_eq!(h.bytes(x, 2), b"gh");
    assert_eq!(h.sys(nr::readv, &[fd as u32, rv, 0]), 0);
    assert_eq!(h.sys(nr::readv, &[fd as u32, rv, u32::MAX]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::readv, &[fd as u32, rv, 1025]), e(Errno::EINVAL));
    let bad = h.put(&[0, 0, 0, 0, 0, 0, 0, 0x80]);
    assert_eq!(h.sys(nr::writev, &[fd as u32, bad, 1]), e(Errno::EINVAL), "negative length");
}

#[test]
fn devices_null_zero_full_urandom() {
    let mut h = Harness::new();
    let null = open(&mut h, "/dev/null", O_RDWR, 0);
    assert_eq!(write(&mut h, null, b"gone"), 4);
    assert_eq!(read(&mut h, null, 10).unwrap(), b"");
    assert_eq!(seek(&mut h, null, 100, SEEK_SET), 0);
    let zero = open(&mut h, "/dev/zero", O_RDONLY, 0);
    assert_eq!(read(&mut h, zero, 5).unwrap(), [0; 5]);
    let full = open(&mut h, "/dev/full", O_RDWR, 0);
    assert_eq!(write(&mut h, full, b"x"), e(Errno::ENOSPC));
    assert_eq!(read(&mut h, full, 3).unwrap(), [0; 3]);
    let ur = open(&mut h, "/dev/urandom", O_RDWR, 0);
    let a = read(&mut h, ur, 16).unwrap();
    let b = read(&mut h, ur, 16).unwrap();
    assert_eq!(a.len(), 16);
    assert_ne!(a, b);
    assert_eq!(write(&mut h, ur, b"seed"), 4);
    // Device nodes made with mknod behave as the device.
    assert_eq!(at(&mut h, nr::mknodat, "/tmp/mynull", &[S_IFCHR | 0o666, (1 << 8) | 3]), 0);
    let mine = open(&mut h, "/tmp/mynull", O_RDWR, 0);
    assert_eq!(write(&mut h, mine, b"x"), 1);
    assert_eq!(at(&mut h, nr::mknodat, "/tmp/odd", &[S_IFCHR | 0o666, (99 << 8) | 1]), 0);
    assert_eq!(open(&mut h, "/tmp/odd", O_RDWR, 0), e(Errno::ENXIO));
}

#[test]
fn dev_stdout_and_proc_fd_reach_captured_stdout() {
    let mut h = Harness::new();
    assert_eq!(write(&mut h, 1, b"a"), 1);
    let fd = open(&mut h, "/dev/stdout", O_WRONLY, 0);
    assert!(fd >= 3);
    assert_eq!(write(&mut h, fd, b"b"), 1);
    let fd2 = open(&mut h, "/proc/self/fd/1", O_WRONLY, 0);
    assert_eq!(write(&mut h, fd2, b"c"), 1);
    let err = open(&mut h, "/dev/stderr", O_WRONLY, 0);
    assert_eq!(write(&mut h, err, b"E"), 1);
    assert_eq!(h.stdout(), b"abc");
    assert_eq!(h.host.lock().unwrap().stderr, b"E");
    // A new description: its own flags, same device.
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETFL, 0]), (O_WRONLY | O_LARGEFILE) as i64);
    assert_eq!(seek(&mut h, fd, 0, SEEK_SET), e(Errno::ESPIPE));
    // Large writes arrive whole.
    let big = vec![b'x'; 200_000];
    assert_eq!(write(&mut h, 1, &big), 200_000);
    assert_eq!(h.stdout().len(), 200_003);
}

#[test]
fn stdin_read_is_pending_until_input_arrives() {
    let mut h = Harness::new();
    let buf = h.alloc(16);
    match h.call(nr::read, &[0, buf, 16], false) {
        Outcome::Pending(p) => {
            assert_eq!(p.key, WaitKey::STDIN);
            assert_eq!(p.deadline, None);
        }
        o => panic!("expected pending, got {o:?}"),
    }
    assert!(h.host.lock().unwrap().wants_input);
    h.k.stdin_input(b"hi\n");
    assert_eq!(h.k.take_wakeups(), vec![WaitKey::STDIN]);
    assert_eq!(h.call(nr::read, &[0, buf, 16], true), Outcome::Return(3));
    assert_eq!(h.bytes(buf, 3), b"hi\n");
    // Reads take what is there, at most the count.
    h.k.stdin_input(b"abcdef");
    assert_eq!(h.sys(nr::read, &[0, buf, 4]), 4);
    assert_eq!(h.sys(nr::read, &[0, buf, 16]), 2);
    // Non-blocking: EAGAIN instead of waiting.
    let nb = h.alloc(4);
    h.mem.bytes[nb as usize] = 1;
    assert_eq!(h.sys(nr::ioctl, &[0, FIONBIO, nb]), 0);
    assert_eq!(h.sys(nr::read, &[0, buf, 16]), e(Errno::EAGAIN));
    h.mem.bytes[nb as usize] = 0;
    h.sys(nr::ioctl, &[0, FIONBIO, nb]);
    // End of file: 0, every time.
    h.k.stdin_eof();
    assert_eq!(h.sys(nr::read, &[0, buf, 16]), 0);
    assert_eq!(h.sys(nr::read, &[0, buf, 16]), 0);
}

#[test]
fn dev_tty_needs_a_terminal_on_stdin() {
    let mut h = Harness::new();
    let tty = open(&mut h, "/dev/tty", O_RDWR, 0);
    assert!(tty >= 0);
    assert_eq!(write(&mut h, tty, b"prompt"), 6);
    assert_eq!(h.host.lock().unwrap().stderr, b"prompt", "stderr is not a tty: terminal output goes to stream 2");
    h.k.stdin_input(b"y");
    assert_eq!(read(&mut h, tty, 4).unwrap(), b"y");
    h.host.lock().unwrap().stdin_kind = Some(StreamKind::Pipe);
    assert_eq!(open(&mut h, "/dev/tty", O_RDWR, 0), e(Errno::ENXIO));
}

#[test]
fn sendfile_copies_between_descriptors() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/src", b"0123456789");
    let src = open(&mut h, "/tmp/src", O_RDONLY, 0);
    let dst = open(&mut h, "/tmp/dst", O_RDWR | O_CREAT, 0o644);
    assert_eq!(h.sys(nr::sendfile, &[dst as u32, src as u32, 0, 4]), 4);
    assert_eq!(seek(&mut h, src, 0, SEEK_CUR), 4);
    let off = h.put(&2u64.to_le_bytes());
    assert_eq!(h.sys(nr::sendfile, &[dst as u32, src as u32, off, 3]), 3);
    assert_eq!(h.u64_at(off), 5);
    assert_eq!(seek(&mut h, src, 0, SEEK_CUR), 4, "offset pointer leaves the position");
    assert_eq!(h.sys(nr::sendfile, &[1, src as u32, 0, 100]), 6);
    assert_eq!(h.stdout(), b"456789");
    assert_eq!(read_file(&mut h, "/tmp/dst").unwrap(), b"0123234");
    let d = open(&mut h, "/tmp", O_RDONLY, 0);
    assert_eq!(h.sys(nr::sendfile, &[dst as u32, d as u32, 0, 1]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::sendfile, &[src as u32, dst as u32, 0, 1]), e(Errno::EBADF));
}

#[test]
fn fadvise_and_sync_accept_valid_calls() {
    let mut h = Harness::new();
    let fd = open(&mut h, "/tmp/f", O_RDWR | O_CREAT, 0o644);
    assert_eq!(h.sys(nr::fadvise64_64, &[fd as u32, 0, 0, 0, 0, 4]), 0);
    assert_eq!(h.sys(nr::fadvise64_64, &[fd as u32, 0, 0, 0, 0, 9]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::fadvise64_64, &[1, 0, 0, 0, 0, 0]), e(Errno::ESPIPE));
    assert_eq!(h.sys(nr::fsync, &[fd as u32]), 0);
    assert_eq!(h.sys(nr::fdatasync, &[fd as u32]), 0);
    assert_eq!(h.sys(nr::fsync, &[1]), e(Errno::EINVAL), "a pipe cannot be synced");
    assert_eq!(h.sys(nr::sync, &[]), 0);
    assert_eq!(h.sys(nr::syncfs, &[fd as u32]), 0);
    let p = open(&mut h, "/tmp/f", O_PATH, 0);
    assert_eq!(h.sys(nr::fsync, &[p as u32]), e(Errno::EBADF));
    assert_eq!(h.sys(nr::flock, &[fd as u32, 2]), 0);
    assert_eq!(h.sys(nr::flock, &[fd as u32, 8 | 4]), 0);
    assert_eq!(h.sys(nr::flock, &[fd as u32, 3]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::flock, &[p as u32, 1]), e(Errno::EBADF));
}

#[test]
fn memfd_is_an_unnamed_file() {
    let mut h = Harness::new();
    let name = h.cstr("buf");
    let fd = h.sys(nr::memfd_create, &[name, 1]);
    assert!(fd >= 0);
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETFD, 0]), 1);
    assert_eq!(h.sys(nr::fcntl, &[fd as u32, F_GETFL, 0]), (O_RDWR | O_LARGEFILE) as i64);
    assert_eq!(h.sys(nr::ftruncate, &[fd as u32, 0, 1 << 8]), 0, "a terabyte costs nothing");
    assert_eq!(fstat(&mut h, fd).unwrap().size, 1 << 40);
    assert_eq!(fstat(&mut h, fd).unwrap().blocks, 0);
    assert_eq!(write(&mut h, fd, b"data"), 4);
    assert_eq!(fstat(&mut h, fd).unwrap().nlink, 0);
    assert_eq!(readlink(&mut h, &alloc::format!("/proc/self/fd/{fd}"), 100).unwrap(), b"/memfd:buf (deleted)");
    assert_eq!(h.sys(nr::memfd_create, &[name, 0x100]), e(Errno::EINVAL));
    let long = h.cstr(&"n".repeat(250));
    assert_eq!(h.sys(nr::memfd_create, &[long, 0]), e(Errno::EINVAL));
}

#[test]
fn broken_host_stdout_raises_sigpipe() {
    let mut h = Harness::new();
    h.host.lock().unwrap().stdout_broken = true;
    let buf = h.put(b"x\n");
    // Default action: the writer dies of SIGPIPE, as `prog | head` on Linux.
    assert_eq!(h.call(nr::write, &[1, buf, 2], false), Outcome::Exit(crate::ExitStatus::Signal(SIGPIPE)));

    // Ignored: the write fails with EPIPE and the process lives on.
    let mut h = Harness::new();
    h.host.lock().unwrap().stdout_broken = true;
    let mut act = [0u8; 20];
    act[0] = 1; // SIG_IGN
    let act = h.put(&act);
    assert_eq!(h.sys(nr::rt_sigaction, &[SIGPIPE, act, 0, 8]), 0);
    let buf = h.put(b"x\n");
    assert_eq!(h.sys(nr::write, &[1, buf, 2]), Errno::EPIPE.neg());
}

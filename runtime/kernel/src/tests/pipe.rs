//! Pipes: data, end of file, `EPIPE`/`SIGPIPE`, blocking and waking across
//! processes, `PIPE_BUF` atomicity, poll readiness, reference counts across
//! `fork`. Expected values checked against Linux with small C programs.

use alloc::format;
use alloc::vec;

use super::*;
use crate::engine::{ExitStatus, Outcome, WaitKey};
use crate::pipe::{read_key, write_key};

pub fn pipe(h: &mut Harness, flags: u32) -> (i64, i64) {
    let fds = h.alloc(8);
    assert_eq!(h.sys(nr::pipe2, &[fds, flags]), 0);
    (h.u32_at(fds) as i64, h.u32_at(fds + 4) as i64)
}

fn pending_key(o: Outcome) -> WaitKey {
    match o {
        Outcome::Pending(p) => p.key,
        o => panic!("expected pending, got {o:?}"),
    }
}

#[test]
fn data_eof_stat_and_proc_link() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, 0);
    assert_eq!((r, w), (3, 4));
    assert_eq!(write(&mut h, w, b"hello"), 5);
    assert_eq!(read(&mut h, r, 3).unwrap(), b"hel");
    assert_eq!(read(&mut h, r, 10).unwrap(), b"lo");
    let st = fstat(&mut h, r).unwrap();
    assert_eq!(st.mode & S_IFMT, S_IFIFO);
    assert_eq!(readlink(&mut h, "/proc/self/fd/3", 64).unwrap(), format!("pipe:[{}]", st.ino).as_bytes());
    assert_eq!(h.sys(nr::fcntl, &[r as u32, F_GETPIPE_SZ]), 65536);
    assert_eq!(seek(&mut h, r, 0, SEEK_CUR), e(Errno::ESPIPE));
    assert_eq!(read(&mut h, w, 1), Err(e(Errno::EBADF)));
    assert_eq!(write(&mut h, r, b"x"), e(Errno::EBADF));
    // Reading through the magic link opens another reader.
    let again = open(&mut h, "/proc/self/fd/3", O_RDONLY, 0);
    assert!(again > 4);
    close(&mut h, again);
    close(&mut h, w);
    assert_eq!(read(&mut h, r, 10).unwrap(), b"", "end of file once every writer closed");
    close(&mut h, r);
    assert_eq!(h.k.pipes.live(), 0);
    let fds = h.alloc(8);
    assert_eq!(h.sys(nr::pipe2, &[fds, 0x1]), e(Errno::EINVAL));
}

#[test]
fn cloexec_and_nonblock_flags() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, O_CLOEXEC | O_NONBLOCK);
    assert_eq!(h.sys(nr::fcntl, &[r as u32, F_GETFD]), 1);
    assert_eq!(h.sys(nr::fcntl, &[w as u32, F_GETFL]) as u32 & (O_NONBLOCK | O_ACCMODE), O_NONBLOCK | O_WRONLY);
    assert_eq!(read(&mut h, r, 10), Err(e(Errno::EAGAIN)));
}

#[test]
fn broken_pipe_sends_sigpipe() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, 0);
    close(&mut h, r);
    // SIGPIPE ignored: EPIPE.
    let ign = h.put(&{
        let mut b = [0u8; 20];
        b[0] = 1;
        b
    });
    assert_eq!(h.sys(nr::rt_sigaction, &[SIGPIPE, ign, 0, 8]), 0);
    assert_eq!(write(&mut h, w, b"x"), e(Errno::EPIPE));
    assert_eq!(write(&mut h, w, b""), 0, "an empty write never fails");
    // Default action: the writer dies of SIGPIPE.
    let dfl = h.alloc(20);
    assert_eq!(h.sys(nr::rt_sigaction, &[SIGPIPE, dfl, 0, 8]), 0);
    let b = h.put(b"x");
    assert_eq!(h.call(nr::write, &[w as u32, b, 1], false), Outcome::Exit(ExitStatus::Signal(SIGPIPE)));
}

#[test]
fn blocking_read_wakes_on_write_from_another_process() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, 0);
    let parent = h.pid;
    let child = h.fork();
    h.switch(child);
    let buf = h.alloc(16);
    assert_eq!(pending_key(h.call(nr::read, &[r as u32, buf, 16], false)), read_key(1));
    assert!(h.k.take_wakeups().is_empty());
    h.switch(parent);
    assert_eq!(write(&mut h, w, b"ping"), 4);
    assert!(h.k.take_wakeups().contains(&read_key(1)));
    h.switch(child);
    assert_eq!(h.call(nr::read, &[r as u32, buf, 16], true), Outcome::Return(4));
    assert_eq!(h.bytes(buf, 4), b"ping");
    // The child still holds a writer: no end of file yet after the parent
    // closes its own.
    h.switch(parent);
    close(&mut h, w);
    h.switch(child);
    assert!(matches!(h.call(nr::read, &[r as u32, buf, 16], false), Outcome::Pending(_)));
    close(&mut h, w);
    assert!(h.k.take_wakeups().contains(&read_key(1)));
    assert_eq!(h.call(nr::read, &[r as u32, buf, 16], true), Outcome::Return(0));
}

#[test]
fn full_pipe_write_waits_for_room() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, 0);
    assert_eq!(h.sys(nr::fcntl, &[w as u32, F_SETPIPE_SZ, 4096]), 4096);
    assert_eq!(write(&mut h, w, &[1u8; 4096]), 4096);
    let one = h.put(b"z");
    assert_eq!(pending_key(h.call(nr::write, &[w as u32, one, 1], false)), write_key(1));
    h.sys(nr::fcntl, &[w as u32, F_SETFL, O_NONBLOCK]);
    assert_eq!(h.sys(nr::write, &[w as u32, one, 1]), e(Errno::EAGAIN));
    h.sys(nr::fcntl, &[w as u32, F_SETFL, 0]);
    assert_eq!(read(&mut h, r, 10).unwrap().len(), 10);
    assert!(h.k.take_wakeups().contains(&write_key(1)));
    assert_eq!(h.call(nr::write, &[w as u32, one, 1], true), Outcome::Return(1));
    assert_eq!(h.sys(nr::fcntl, &[w as u32, F_SETPIPE_SZ, 100]), 4096, "rounded up to a page");
    assert_eq!(h.sys(nr::fcntl, &[w as u32, F_SETPIPE_SZ, 8192]), 8192);
    assert_eq!(write(&mut h, w, &[3u8; 1000]), 1000);
    assert_eq!(h.sys(nr::fcntl, &[w as u32, F_SETPIPE_SZ, 4096]), e(Errno::EBUSY), "5087 bytes do not fit in a page");
    assert_eq!(h.sys(nr::fcntl, &[0, F_GETPIPE_SZ]), e(Errno::EBADF), "not a pipe");
}

#[test]
fn small_writes_are_atomic_big_ones_partial() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, O_NONBLOCK);
    assert_eq!(h.sys(nr::fcntl, &[w as u32, F_SETPIPE_SZ, 8192]), 8192);
    assert_eq!(write(&mut h, w, &[0u8; 8092]), 8092);
    // 100 bytes free: a 200-byte write is all or nothing...
    assert_eq!(write(&mut h, w, &[1u8; 200]), e(Errno::EAGAIN));
    // ...a 5000-byte one takes what fits.
    assert_eq!(write(&mut h, w, &[2u8; 5000]), 100);
    assert_eq!(read(&mut h, r, 9000).unwrap().len(), 8192);
}

#[test]
fn big_blocking_write_completes_across_retries() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, 0);
    let data: alloc::vec::Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let src = h.put(&data);
    let parent = h.pid;
    let child = h.fork();
    assert_eq!(pending_key(h.call(nr::write, &[w as u32, src, data.len() as u32], false)), write_key(1));
    let mut got = vec![];
    h.switch(child);
    while got.len() < 65536 {
        got.extend(read(&mut h, r, 65536).unwrap());
    }
    h.switch(parent);
    assert_eq!(h.call(nr::write, &[w as u32, src, data.len() as u32], true), Outcome::Return(100_000));
    h.switch(child);
    got.extend(read(&mut h, r, 65536).unwrap());
    assert_eq!(got, data, "every byte once, in order");
}

#[test]
fn poll_readiness_and_keys() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, 0);
    let (r2, w2) = pipe(&mut h, 0);
    let fds = |h: &mut Harness, list: &[(i64, u16)]| {
        let mut b = vec![];
        for &(fd, ev) in list {
            b.extend_from_slice(&(fd as i32).to_le_bytes());
            b.extend_from_slice(&ev.to_le_bytes());
            b.extend_from_slice(&0u16.to_le_bytes());
        }
        h.put(&b)
    };
    const POLLIN: u16 = 1;
    const POLLOUT: u16 = 4;
    const POLLERR: u16 = 8;
    const POLLHUP: u16 = 16;
    let revents = |h: &Harness, a: u32, i: u32| u16::from_le_bytes(h.bytes(a + 8 * i + 6, 2).try_into().unwrap());
    let p = fds(&mut h, &[(r, POLLIN), (w, POLLOUT)]);
    assert_eq!(h.sys(nr::ppoll, &[p, 2, 0, 0, 8]), 1);
    assert_eq!((revents(&h, p, 0), revents(&h, p, 1)), (0, POLLOUT));
    // One key watched: wait on it directly.
    let p1 = fds(&mut h, &[(r, POLLIN)]);
    assert_eq!(pending_key(h.call(nr::ppoll, &[p1, 1, 0, 0, 8], false)), read_key(1));
    // Two: wait on the process key, which a write to either wakes.
    let p2 = fds(&mut h, &[(r, POLLIN), (r2, POLLIN)]);
    let pid = h.pid;
    assert_eq!(pending_key(h.call(nr::ppoll, &[p2, 2, 0, 0, 8], false)), WaitKey::process(pid));
    h.k.take_wakeups();
    let child = h.fork();
    h.as_pid(child, |h| assert_eq!(write(h, w2, b"x"), 1));
    assert!(h.k.take_wakeups().contains(&WaitKey::process(pid)));
    assert_eq!(h.call(nr::ppoll, &[p2, 2, 0, 0, 8], true), Outcome::Return(1));
    assert_eq!((revents(&h, p2, 0), revents(&h, p2, 1)), (0, POLLIN));
    // Hang-up and error once the other side is gone.
    h.as_pid(child, |h| {
        close(h, w);
        close(h, r);
    });
    close(&mut h, w);
    let p3 = fds(&mut h, &[(r, POLLIN)]);
    assert_eq!(h.sys(nr::ppoll, &[p3, 1, 0, 0, 8]), 1);
    assert_eq!(revents(&h, p3, 0), POLLHUP);
    h.as_pid(child, |h| close(h, r2));
    close(&mut h, r2);
    let p4 = fds(&mut h, &[(w2, POLLOUT)]);
    assert_eq!(h.sys(nr::ppoll, &[p4, 1, 0, 0, 8]), 1);
    assert_eq!(revents(&h, p4, 0), POLLOUT | POLLERR);
}

#[test]
fn fifo_opens_wait_for_a_partner() {
    let mut h = Harness::new();
    assert_eq!(at(&mut h, nr::mknodat, "/tmp/fifo", &[S_IFIFO | 0o644, 0]), 0);
    // Write-only, non-blocking, nobody reading: ENXIO; read-only
    // non-blocking opens at once.
    assert_eq!(open(&mut h, "/tmp/fifo", O_WRONLY | O_NONBLOCK, 0), e(Errno::ENXIO));
    let nb = open(&mut h, "/tmp/fifo", O_RDONLY | O_NONBLOCK, 0);
    assert!(nb >= 0);
    assert_eq!(fstat(&mut h, nb).unwrap().mode, S_IFIFO | 0o644, "the FIFO node's own attributes");
    close(&mut h, nb);
    // A blocking reader waits for a writer.
    let parent = h.pid;
    let child = h.fork();
    let path = h.cstr("/tmp/fifo");
    let open_rd = |h: &mut Harness, retry| h.call(nr::openat, &[AT_FDCWD as u32, path, O_RDONLY, 0], retry);
    assert!(matches!(open_rd(&mut h, false), Outcome::Pending(_)));
    assert!(matches!(open_rd(&mut h, true), Outcome::Pending(_)), "still nobody");
    h.k.take_wakeups();
    h.switch(child);
    let w = open(&mut h, "/tmp/fifo", O_WRONLY, 0);
    assert!(w >= 0, "a reader is there: no wait");
    assert_eq!(write(&mut h, w, b"through"), 7);
    close(&mut h, w);
    h.switch(parent);
    assert!(!h.k.take_wakeups().is_empty());
    let r = match open_rd(&mut h, true) {
        Outcome::Return(fd) => fd,
        o => panic!("{o:?}"),
    };
    assert_eq!(read(&mut h, r, 16).unwrap(), b"through", "the writer came and went; its data stays");
    assert_eq!(read(&mut h, r, 16).unwrap(), b"");
    close(&mut h, r);
    assert_eq!(h.k.pipes.live(), 0);
    assert!(h.k.fifos.is_empty());
    // O_RDWR never waits.
    let rw = open(&mut h, "/tmp/fifo", O_RDWR, 0);
    assert_eq!(write(&mut h, rw, b"x"), 1);
    assert_eq!(read(&mut h, rw, 4).unwrap(), b"x");
}

#[test]
fn interrupted_big_write_returns_what_it_moved() {
    let mut h = Harness::with_signals();
    let me = h.pid;
    let mut act = [0u8; 20];
    act[0..4].copy_from_slice(&0x100u32.to_le_bytes());
    let act = h.put(&act);
    assert_eq!(h.sys(nr::rt_sigaction, &[10, act, 0, 8]), 0);
    let (_r, w) = pipe(&mut h, 0);
    let src = h.alloc(100_000);
    assert!(matches!(h.call(nr::write, &[w as u32, src, 100_000], false), Outcome::Pending(_)));
    let child = h.fork();
    h.as_pid(child, |h| h.sys(nr::kill, &[me, 10]));
    assert_eq!(h.call(nr::write, &[w as u32, src, 100_000], true), Outcome::Return(65536));
    assert_eq!(h.k.next_signal(me).map(|d| d.sig), Some(10));
}

#[test]
fn pselect_watches_pipes() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, 0);
    let set = |h: &mut Harness, fd: i64| h.put(&(1u32 << fd).to_le_bytes());
    let (rs, ws) = (set(&mut h, r), set(&mut h, w));
    let zero = h.put(&crate::abi::layout::Timespec { sec: 0, nsec: 0 }.encode());
    assert_eq!(h.sys(nr::pselect6, &[w as u32 + 1, rs, ws, 0, zero, 0]), 1, "writable, not readable");
    assert_eq!((h.u32_at(rs), h.u32_at(ws)), (0, 1 << w));
    let rs = set(&mut h, r);
    assert_eq!(pending_key(h.call(nr::pselect6, &[r as u32 + 1, rs, 0, 0, 0, 0], false)), read_key(1));
    assert_eq!(write(&mut h, w, b"x"), 1);
    assert_eq!(h.call(nr::pselect6, &[r as u32 + 1, rs, 0, 0, 0, 0], true), Outcome::Return(1));
}

/// A strict engine moving 512 KiB through a pipe between two processes: a
/// parked process is retried only when the key it waits on was woken.
#[test]
fn pipeline_through_a_strict_engine() {
    let mut h = Harness::new();
    let (r, w) = pipe(&mut h, 0);
    let reader = h.fork();
    h.as_pid(reader, |h| close(h, w));
    let data: alloc::vec::Vec<u8> = (0..1u32 << 19).map(|i| (i * 7 % 256) as u8).collect();
    let src = h.put(&data);
    let dst = h.alloc(5000);
    let (mut got, mut written) = (alloc::vec::Vec::new(), None);
    // What each process waits on, and every key woken since it parked.
    let mut parked: [Option<WaitKey>; 2] = [None, None];
    let mut woken: alloc::vec::Vec<WaitKey> = alloc::vec::Vec::new();
    let runnable = |p: Option<WaitKey>, woken: &[WaitKey]| p.is_none_or(|k| woken.contains(&k));
    loop {
        if written.is_none() && runnable(parked[0], &woken) {
            let retry = parked[0].take().is_some();
            match h.call(nr::write, &[w as u32, src, data.len() as u32], retry) {
                Outcome::Return(n) => {
                    written = Some(n);
                    close(&mut h, w);
                }
                Outcome::Pending(p) => parked[0] = Some(p.key),
                o => panic!("{o:?}"),
            }
        }
        if runnable(parked[1], &woken) {
            let retry = parked[1].take().is_some();
            match h.as_pid(reader, |h| h.call(nr::read, &[r as u32, dst, 5000], retry)) {
                Outcome::Return(0) => break,
                Outcome::Return(n) => got.extend_from_slice(&h.others[&reader].bytes[dst as usize..dst as usize + n as usize]),
                Outcome::Pending(p) => parked[1] = Some(p.key),
                o => panic!("{o:?}"),
            }
        }
        // Keys woken before a process parked again do not count for it.
        woken = h.k.take_wakeups();
        let stuck = (written.is_some() || !runnable(parked[0], &woken)) && !runnable(parked[1], &woken);
        assert!(!stuck, "both parked with nothing woken: a lost wakeup");
    }
    assert_eq!(written, Some(1 << 19));
    assert!(got == data, "bytes arrive once, in order");
}

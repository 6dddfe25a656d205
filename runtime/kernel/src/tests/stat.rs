//! Attributes: stat fields and timestamps, statx, chmod/chown, utimensat,
//! readlink, access, truncate, fallocate, statfs.

use super::*;
use crate::dev::makedev;

#[test]
fn stat_fields_of_files_dirs_links_devices() {
    let mut h = Harness::new();
    let fd = open(&mut h, "/tmp/f", O_RDWR | O_CREAT, 0o640);
    assert_eq!(write(&mut h, fd, &[7u8; 5000]), 5000);
    let st = stat(&mut h, "/tmp/f").unwrap();
    assert_eq!(st.mode, S_IFREG | 0o640);
    assert_eq!((st.nlink, st.uid, st.gid), (1, 0, 0));
    assert_eq!(st.size, 5000);
    assert_eq!(st.blocks, 16, "two 4 KiB pages in 512-byte blocks");
    assert_eq!(st.blksize, 4096);
    assert_eq!(st.dev, makedev(0, 2), "the /tmp mount");
    assert_eq!(fstat(&mut h, fd).unwrap(), st);
    mkdir(&mut h, "/tmp/d", 0o755);
    let d = stat(&mut h, "/tmp/d").unwrap();
    assert_eq!((d.mode, d.nlink, d.size), (S_IFDIR | 0o755, 2, 40));
    symlink(&mut h, "f", "/tmp/l");
    let l = lstat(&mut h, "/tmp/l").unwrap();
    assert_eq!((l.mode, l.size), (S_IFLNK | 0o777, 1));
    assert_eq!(stat(&mut h, "/tmp/l").unwrap().ino, st.ino);
    let null = stat(&mut h, "/dev/null").unwrap();
    assert_eq!((null.mode, null.rdev), (S_IFCHR | 0o666, makedev(1, 3)));
    assert_eq!(stat(&mut h, "/dev/shm").unwrap().mode, S_IFDIR | 0o1777);
    assert_eq!(lstat(&mut h, "/dev/stdin").unwrap().size, 15);
    let b = h.alloc(120);
    assert_eq!(at(&mut h, nr::newfstatat, "/tmp/f", &[b, 0x4]), e(Errno::EINVAL));
}

#[test]
fn host_streams_stat_as_the_host_says() {
    let mut h = Harness::new();
    // Test host: stdin a tty, stdout and stderr pipes.
    let st0 = fstat(&mut h, 0).unwrap();
    assert_eq!(st0.mode, S_IFCHR | 0o620);
    assert_eq!(st0.rdev, makedev(136, 0));
    assert_eq!(fstat(&mut h, 1).unwrap().mode, S_IFIFO | 0o600);
    assert_ne!(fstat(&mut h, 1).unwrap().ino, fstat(&mut h, 2).unwrap().ino);
    // stat through the magic link is the same object.
    assert_eq!(stat(&mut h, "/dev/stdout").unwrap().mode, S_IFIFO | 0o600);
    assert_eq!(lstat(&mut h, "/proc/self/fd/1").unwrap().mode, S_IFLNK | 0o700);
    h.host.lock().unwrap().stdin_kind = Some(crate::engine::StreamKind::Null);
    assert_eq!(fstat(&mut h, 0).unwrap().rdev, makedev(1, 3));
    assert_eq!(fstat(&mut h, 9), Err(e(Errno::EBADF)));
}

#[test]
fn timestamps_move_like_linux() {
    let mut h = Harness::new();
    let fd = open(&mut h, "/tmp/f", O_RDWR | O_CREAT, 0o644);
    let t0 = stat(&mut h, "/tmp/f").unwrap();
    assert_eq!(t0.mtime, t0.ctime);
    assert_eq!(stat(&mut h, "/tmp").unwrap().mtime, t0.mtime, "creating touches the parent");
    tick(&mut h, 10);
    write(&mut h, fd, b"data");
    let t1 = stat(&mut h, "/tmp/f").unwrap();
    assert_eq!(t1.mtime.sec, t0.mtime.sec + 10);
    assert_eq!(t1.ctime, t1.mtime);
    assert_eq!(t1.atime, t0.atime);
    tick(&mut h, 10);
    // relatime: a read after a write moves atime.
    seek(&mut h, fd, 0, SEEK_SET);
    read(&mut h, fd, 4).unwrap();
    let t2 = stat(&mut h, "/tmp/f").unwrap();
    assert_eq!(t2.atime.sec, t0.atime.sec + 20);
    assert_eq!(t2.mtime, t1.mtime);
    tick(&mut h, 10);
    // Attribute changes move only ctime; empty writes move nothing.
    at(&mut h, nr::fchmodat, "/tmp/f", &[0o600]);
    write(&mut h, fd, b"");
    let t3 = stat(&mut h, "/tmp/f").unwrap();
    assert_eq!(t3.ctime.sec, t0.ctime.sec + 30);
    assert_eq!(t3.mtime, t1.mtime);
    tick(&mut h, 10);
    assert_eq!(h.sys(nr::ftruncate, &[fd as u32, 4, 0]), 0, "same size still counts");
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().mtime.sec, t0.mtime.sec + 40);
}

#[test]
fn utimensat_now_omit_and_explicit_times() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"");
    symlink(&mut h, "f", "/tmp/l");
    let now = stat(&mut h, "/tmp/f").unwrap().mtime;
    let times = |h: &mut Harness, a: (i64, u32), m: (i64, u32)| {
        let mut b = alloc::vec::Vec::new();
        for (s, n) in [a, m] {
            b.extend_from_slice(&s.to_le_bytes());
            b.extend_from_slice(&n.to_le_bytes());
            b.extend_from_slice(&[0; 4]);
        }
        h.put(&b)
    };
    let t = times(&mut h, (5, 6), (7, 8));
    assert_eq!(at(&mut h, nr::utimensat, "/tmp/f", &[t, 0]), 0);
    let st = stat(&mut h, "/tmp/f").unwrap();
    assert_eq!((st.atime, st.mtime), (Timespec { sec: 5, nsec: 6 }, Timespec { sec: 7, nsec: 8 }));
    assert_eq!(st.ctime, now);
    tick(&mut h, 3);
    let t = times(&mut h, (0, UTIME_OMIT), (0, UTIME_NOW));
    assert_eq!(at(&mut h, nr::utimensat, "/tmp/f", &[t, 0]), 0);
    let st = stat(&mut h, "/tmp/f").unwrap();
    assert_eq!(st.atime.sec, 5);
    assert_eq!(st.mtime.sec, now.sec + 3);
    let bad = times(&mut h, (0, UTIME_OMIT), (5, 2_000_000_000));
    assert_eq!(at(&mut h, nr::utimensat, "/tmp/f", &[bad, 0]), e(Errno::EINVAL));
    let neg = times(&mut h, (-5, 0), (0, UTIME_OMIT));
    assert_eq!(at(&mut h, nr::utimensat, "/tmp/f", &[neg, 0]), 0);
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().atime.sec, -5);
    // NULL times: both now. AT_SYMLINK_NOFOLLOW: the link's own times.
    tick(&mut h, 3);
    let t = times(&mut h, (1, 0), (1, 0));
    assert_eq!(at(&mut h, nr::utimensat, "/tmp/l", &[t, AT_SYMLINK_NOFOLLOW]), 0);
    assert_eq!(lstat(&mut h, "/tmp/l").unwrap().mtime.sec, 1);
    assert_eq!(at(&mut h, nr::utimensat, "/tmp/l", &[0, 0]), 0);
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().mtime.sec, now.sec + 6);
    assert_eq!(at(&mut h, nr::utimensat, "/tmp/f", &[0, 1]), e(Errno::EINVAL));
    // A NULL path is futimens on the descriptor.
    let fd = open(&mut h, "/tmp/f", O_RDONLY, 0);
    let t = times(&mut h, (9, 0), (9, 0));
    assert_eq!(h.sys(nr::utimensat, &[fd as u32, 0, t, 0]), 0);
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().mtime.sec, 9);
    assert_eq!(h.sys(nr::utimensat, &[AT_FDCWD as u32, 0, 0, 0]), e(Errno::EFAULT));
    assert_eq!(h.sys(nr::utimensat, &[fd as u32, 0, 0, AT_SYMLINK_NOFOLLOW]), e(Errno::EINVAL));
    assert_eq!(at(&mut h, nr::utimensat, "/tmp/missing", &[0, 0]), e(Errno::ENOENT));
}

#[test]
fn chmod_chown_and_their_descriptor_forms() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"");
    symlink(&mut h, "f", "/tmp/l");
    assert_eq!(at(&mut h, nr::fchmodat, "/tmp/l", &[0o7777]), 0);
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().mode, S_IFREG | 0o7777);
    // Changing the owner drops set-user-ID and (group-executable) set-group-ID.
    assert_eq!(at(&mut h, nr::fchownat, "/tmp/f", &[5, 6, 0]), 0);
    let st = stat(&mut h, "/tmp/f").unwrap();
    assert_eq!((st.uid, st.gid, st.mode), (5, 6, S_IFREG | 0o1777));
    assert_eq!(at(&mut h, nr::fchownat, "/tmp/l", &[7, u32::MAX, AT_SYMLINK_NOFOLLOW]), 0);
    assert_eq!(lstat(&mut h, "/tmp/l").unwrap().uid, 7);
    assert_eq!(stat(&mut h, "/tmp/l").unwrap().uid, 5);
    assert_eq!(at(&mut h, nr::fchownat, "/tmp/l", &[7, 7, 0x2]), e(Errno::EINVAL));
    let fd = open(&mut h, "/tmp/f", O_RDONLY, 0);
    assert_eq!(h.sys(nr::fchmod, &[fd as u32, 0o600]), 0, "read-only descriptors may chmod");
    assert_eq!(h.sys(nr::fchown, &[fd as u32, 0, 0]), 0);
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().mode, S_IFREG | 0o600);
    let p = open(&mut h, "/tmp/f", O_PATH, 0);
    assert_eq!(h.sys(nr::fchmod, &[p as u32, 0o644]), e(Errno::EBADF));
    // A non-root caller may not give files away or touch others' modes.
    assert_eq!(h.sys(nr::setuid, &[1000]), 0);
    assert_eq!(at(&mut h, nr::fchmodat, "/tmp/f", &[0o666]), e(Errno::EPERM));
    assert_eq!(at(&mut h, nr::fchownat, "/tmp/f", &[1000, 0, 0]), e(Errno::EPERM));
    assert_eq!(at(&mut h, nr::faccessat, "/tmp/f", &[W_OK]), e(Errno::EACCES));
    assert_eq!(open(&mut h, "/tmp/f", O_RDONLY, 0), e(Errno::EACCES));
    assert!(open(&mut h, "/tmp/mine", O_CREAT | O_WRONLY, 0o600) >= 0, "/tmp is world-writable");
    assert_eq!(stat(&mut h, "/tmp/mine").unwrap().uid, 1000);
}

#[test]
fn readlink_truncates_without_nul() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"");
    symlink(&mut h, "a-long-target", "/tmp/l");
    assert_eq!(readlink(&mut h, "/tmp/l", 100).unwrap(), b"a-long-target");
    assert_eq!(readlink(&mut h, "/tmp/l", 3).unwrap(), b"a-l");
    assert_eq!(readlink(&mut h, "/tmp/l", 0), Err(e(Errno::EINVAL)));
    assert_eq!(readlink(&mut h, "/tmp/f", 100), Err(e(Errno::EINVAL)));
    assert_eq!(readlink(&mut h, "/tmp", 100), Err(e(Errno::EINVAL)));
    assert_eq!(readlink(&mut h, "", 100), Err(e(Errno::ENOENT)));
    assert_eq!(readlink(&mut h, "/tmp/nx", 100), Err(e(Errno::ENOENT)));
    // An O_PATH descriptor of the link and an empty path.
    let fd = open(&mut h, "/tmp/l", O_PATH | O_NOFOLLOW, 0);
    let (empty, buf) = (h.cstr(""), h.alloc(32));
    assert_eq!(h.sys(nr::readlinkat, &[fd as u32, empty, buf, 32]), 13);
}

#[test]
fn access_checks_bits_and_modes() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"");
    assert_eq!(at(&mut h, nr::faccessat, "/tmp/f", &[R_OK | W_OK]), 0);
    assert_eq!(at(&mut h, nr::faccessat, "/tmp/f", &[X_OK]), e(Errno::EACCES), "root needs an x bit");
    at(&mut h, nr::fchmodat, "/tmp/f", &[0o100]);
    assert_eq!(at(&mut h, nr::faccessat, "/tmp/f", &[X_OK]), 0);
    at(&mut h, nr::fchmodat, "/tmp/f", &[0]);
    assert_eq!(at(&mut h, nr::faccessat, "/tmp/f", &[R_OK | W_OK]), 0, "root reads and writes anything");
    mkdir(&mut h, "/tmp/d", 0o600);
    assert_eq!(at(&mut h, nr::faccessat, "/tmp/d", &[X_OK]), 0, "root searches any directory");
    assert_eq!(at(&mut h, nr::faccessat, "/tmp/nx", &[F_OK_]), e(Errno::ENOENT));
    assert_eq!(at(&mut h, nr::faccessat, "/tmp/f", &[8]), e(Errno::EINVAL));
    assert_eq!(at(&mut h, nr::faccessat2, "/tmp/f", &[0, 1]), e(Errno::EINVAL));
    assert_eq!(at(&mut h, nr::faccessat2, "/dev/stdout", &[W_OK, AT_EACCESS]), 0);
}

const F_OK_: u32 = 0;

#[test]
fn truncate_and_fallocate() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"0123456789");
    let p = h.cstr("/tmp/f");
    assert_eq!(h.sys(nr::truncate, &[p, 4, 0]), 0);
    assert_eq!(read_file(&mut h, "/tmp/f").unwrap(), b"0123");
    assert_eq!(h.sys(nr::truncate, &[p, u32::MAX, u32::MAX]), e(Errno::EINVAL));
    let d = h.cstr("/tmp");
    assert_eq!(h.sys(nr::truncate, &[d, 0, 0]), e(Errno::EISDIR));
    let rd = open(&mut h, "/tmp/f", O_RDONLY, 0);
    let rw = open(&mut h, "/tmp/f", O_RDWR, 0);
    assert_eq!(h.sys(nr::ftruncate, &[rd as u32, 0, 0]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::ftruncate, &[rw as u32, 6, 0]), 0);
    assert_eq!(read_file(&mut h, "/tmp/f").unwrap(), b"0123\0\0");
    // fallocate(fd, mode, offset, len) with 64-bit offset and length.
    assert_eq!(h.sys(nr::fallocate, &[rw as u32, 0, 0, 0, 100, 0]), 0);
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().size, 100);
    assert_eq!(h.sys(nr::fallocate, &[rw as u32, 1, 0, 0, 200, 0]), 0, "KEEP_SIZE");
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().size, 100);
    assert_eq!(h.sys(nr::fallocate, &[rw as u32, 3, 1, 0, 2, 0]), 0, "PUNCH_HOLE");
    assert_eq!(read_file(&mut h, "/tmp/f").unwrap()[..4], *b"0\0\x003");
    assert_eq!(h.sys(nr::fallocate, &[rw as u32, 2, 0, 0, 1, 0]), e(Errno::EOPNOTSUPP));
    assert_eq!(h.sys(nr::fallocate, &[rw as u32, 0, 0, 0, 0, 0]), e(Errno::EINVAL));
    assert_eq!(h.sys(nr::fallocate, &[rd as u32, 0, 0, 0, 1, 0]), e(Errno::EBADF));
    let null = open(&mut h, "/dev/null", O_RDWR, 0);
    assert_eq!(h.sys(nr::fallocate, &[null as u32, 0, 0, 0, 1, 0]), e(Errno::ENODEV));
}

#[test]
fn statx_matches_stat() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"abc");
    let st = stat(&mut h, "/tmp/f").unwrap();
    let b = h.alloc(256);
    assert_eq!(at(&mut h, nr::statx, "/tmp/f", &[0, 0x7ff, b]), 0);
    assert_eq!(h.u32_at(b) & 0x7ff, 0x7ff);
    assert_eq!(h.u32_at(b + 4), 4096);
    assert_eq!(h.u32_at(b + 16), 1);
    assert_eq!(h.u32_at(b + 28) & 0xffff, S_IFREG | 0o644);
    assert_eq!(h.u64_at(b + 32), st.ino);
    assert_eq!(h.u64_at(b + 40), 3);
    assert_eq!(h.u64_at(b + 112) as i64, st.mtime.sec);
    assert_eq!((h.u32_at(b + 136), h.u32_at(b + 140)), (0, 2), "st_dev split");
    assert_eq!(at(&mut h, nr::statx, "/tmp/f", &[0x6000, 0x7ff, b]), e(Errno::EINVAL));
    assert_eq!(at(&mut h, nr::statx, "/tmp/f", &[0, 0x8000_0000, b]), e(Errno::EINVAL));
    assert_eq!(at(&mut h, nr::statx, "/tmp/f", &[0x2000, 0x7ff, b]), 0);
}

#[test]
fn statfs_reports_the_file_system() {
    let mut h = Harness::new();
    let b = h.alloc(88);
    for (path, magic, ro) in [("/tmp", 0x0102_1994, 0), ("/proc/self", 0x9fa0, 1), ("/dev/null", 0x0102_1994, 0)] {
        let p = h.cstr(path);
        assert_eq!(h.sys(nr::statfs, &[p, b]), 0);
        assert_eq!(h.u32_at(b), magic, "{path}");
        assert_eq!(h.u32_at(b + 4), 4096);
        assert_eq!(h.u32_at(b + 56), 255);
        assert_eq!(h.u32_at(b + 64), 0x1020 | ro);
    }
    assert_eq!(h.u64_at(b + 8), 1 << 20);
    assert_eq!(h.sys(nr::fstatfs, &[0, b]), 0);
    assert_eq!(h.u32_at(b), 0x1cd1, "stdin is a terminal (devpts)");
    let nx = h.cstr("/nx");
    assert_eq!(h.sys(nr::statfs, &[nx, b]), e(Errno::ENOENT));
}

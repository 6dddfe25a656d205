//! `/proc` and `/dev`: generated contents, magic links, listings.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::*;

fn text(h: &mut Harness, path: &str) -> String {
    String::from_utf8(read_file(h, path).unwrap()).unwrap()
}

#[test]
fn proc_self_is_the_caller() {
    let mut h = Harness::new();
    let pid = h.pid;
    assert_eq!(readlink(&mut h, "/proc/self", 32).unwrap(), format!("{pid}").as_bytes());
    assert_eq!(stat(&mut h, "/proc/self").unwrap().ino, stat(&mut h, &format!("/proc/{pid}")).unwrap().ino);
    assert_eq!(read_file(&mut h, "/proc/self/cmdline").unwrap(), b"test\0arg1\0");
    assert_eq!(read_file(&mut h, "/proc/self/environ").unwrap(), b"HOME=/root\0");
    assert_eq!(text(&mut h, "/proc/self/comm"), "test\n");
    assert_eq!(readlink(&mut h, "/proc/self/cwd", 64).unwrap(), b"/");
    assert_eq!(stat(&mut h, "/proc/99").unwrap_err(), e(Errno::ENOENT));
    assert_eq!(stat(&mut h, "/proc/01").unwrap_err(), e(Errno::ENOENT));
    let root = list(&mut h, "/proc");
    assert!(root.contains(&b"self".to_vec()));
    assert!(root.contains(&format!("{pid}").into_bytes()));
    let st = lstat(&mut h, "/proc/self/status").unwrap();
    assert_eq!(st.mode, S_IFREG | 0o444);
    assert_eq!(lstat(&mut h, "/proc/self/environ").unwrap().mode, S_IFREG | 0o400);
    assert_eq!(stat(&mut h, "/proc").unwrap().mode, S_IFDIR | 0o555);
}

#[test]
fn proc_status_and_stat_have_linux_shape() {
    let mut h = Harness::new();
    let pid = h.pid;
    let status = text(&mut h, "/proc/self/status");
    assert!(status.starts_with("Name:\ttest\nUmask:\t0022\nState:\tR (running)\n"), "{status}");
    assert!(status.contains(&format!("\nPid:\t{pid}\nPPid:\t0\n")));
    assert!(status.contains("\nUid:\t0\t0\t0\t0\n"));
    assert!(status.contains("\nVmSize:\t"));
    let stat_line = text(&mut h, "/proc/self/stat");
    let fields: Vec<&str> = stat_line.trim_end().split(' ').collect();
    assert_eq!(fields.len(), 52);
    assert_eq!(fields[0], format!("{pid}"));
    assert_eq!((fields[1], fields[2], fields[3]), ("(test)", "R", "0"));
    assert_eq!(fields[4], format!("{pid}"), "pgrp");
    assert_eq!(fields[37], "17", "exit_signal");
    assert!(text(&mut h, "/proc/meminfo").starts_with("MemTotal:"));
    assert!(text(&mut h, "/proc/version").starts_with("Linux version "));
}

#[test]
fn proc_fd_lists_and_links_descriptors() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/file", b"x");
    let fd = open(&mut h, "/tmp/file", O_RDONLY, 0);
    assert_eq!(fd, 3);
    let names = list(&mut h, "/proc/self/fd");
    // The listing itself holds descriptor 4 while it runs.
    assert_eq!(names, [".", "..", "0", "1", "2", "3", "4"].map(|s| s.as_bytes().to_vec()));
    assert_eq!(readlink(&mut h, "/proc/self/fd/3", 64).unwrap(), b"/tmp/file");
    assert_eq!(readlink(&mut h, "/proc/self/fd/1", 64).unwrap(), b"/dev/stdout");
    assert_eq!(readlink(&mut h, "/proc/self/fd/9", 64), Err(e(Errno::ENOENT)));
    assert_eq!(open(&mut h, "/proc/self/fd/9", O_RDONLY, 0), e(Errno::ENOENT));
    // /dev/fd is /proc/self/fd.
    assert_eq!(readlink(&mut h, "/dev/fd/3", 64).unwrap(), b"/tmp/file");
    // Opening a magic link opens the object, whatever its name now is.
    rename(&mut h, "/tmp/file", "/tmp/moved");
    let again = open(&mut h, "/proc/self/fd/3", O_RDONLY, 0);
    assert_eq!(read(&mut h, again, 10).unwrap(), b"x");
    assert_eq!(open(&mut h, "/proc/self/fd/1/", O_WRONLY, 0), e(Errno::ENOTDIR));
    assert_eq!(open(&mut h, "/proc/self/fd/1/x", O_WRONLY, 0), e(Errno::ENOTDIR));
    assert_eq!(open(&mut h, "/dev/stdout", O_WRONLY | O_DIRECTORY, 0), e(Errno::ENOTDIR));
    // A directory descriptor's magic link can be walked through.
    let d = open(&mut h, "/tmp", O_RDONLY | O_DIRECTORY, 0);
    assert_eq!(read_file(&mut h, &format!("/proc/self/fd/{d}/moved")).unwrap(), b"x");
    assert_eq!(chdir(&mut h, "/tmp"), 0);
    assert_eq!(read_file(&mut h, "/proc/self/cwd/moved").unwrap(), b"x");
}

#[test]
fn magic_links_reach_o_path_objects() {
    // musl's fchmodat(AT_SYMLINK_NOFOLLOW) and fchmod on O_PATH descriptors
    // go through /proc/self/fd/N.
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"content");
    symlink(&mut h, "f", "/tmp/l");
    let l = open(&mut h, "/tmp/l", O_PATH | O_NOFOLLOW, 0);
    assert_eq!(stat(&mut h, &format!("/proc/self/fd/{l}")).unwrap().mode & S_IFMT, S_IFLNK);
    let f = open(&mut h, "/tmp/f", O_PATH, 0);
    assert_eq!(at(&mut h, nr::fchmodat, &format!("/proc/self/fd/{f}"), &[0o600]), 0);
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().mode, S_IFREG | 0o600);
    // Reopening an O_PATH descriptor through its link gives real access.
    let r = open(&mut h, &format!("/proc/self/fd/{f}"), O_RDONLY, 0);
    assert_eq!(read(&mut h, r, 7).unwrap(), b"content");
}

#[test]
fn proc_mounts_lists_the_namespace() {
    let mut h = Harness::new();
    let m = text(&mut h, "/proc/mounts");
    assert_eq!(m, text(&mut h, "/proc/self/mounts"));
    let lines: Vec<&str> = m.lines().collect();
    assert_eq!(lines[0], "tmpfs / tmpfs rw,relatime 0 0");
    assert!(lines.contains(&"tmpfs /tmp tmpfs rw,relatime 0 0"));
    assert!(lines.contains(&"devtmpfs /dev devtmpfs rw,relatime 0 0"));
    assert!(lines.contains(&"proc /proc proc ro,relatime 0 0"));
    // memfd's hidden file system is not listed.
    let name = h.cstr("x");
    h.sys(nr::memfd_create, &[name, 0]);
    assert_eq!(text(&mut h, "/proc/mounts").lines().count(), 4);
}

#[test]
fn proc_refuses_changes() {
    let mut h = Harness::new();
    assert_eq!(unlink(&mut h, "/proc/self/status"), e(Errno::EROFS));
    assert_eq!(open(&mut h, "/proc/nx", O_CREAT | O_RDWR, 0o644), e(Errno::EROFS));
    let fd = open(&mut h, "/proc/self", O_RDONLY, 0);
    assert_eq!(read(&mut h, fd, 1), Err(e(Errno::EISDIR)));
}

#[test]
fn dev_has_the_usual_nodes() {
    let mut h = Harness::new();
    let names = list(&mut h, "/dev");
    for n in ["null", "zero", "full", "random", "urandom", "tty", "stdin", "stdout", "stderr", "fd", "shm"] {
        assert!(names.contains(&n.as_bytes().to_vec()), "{n}");
    }
    assert_eq!(readlink(&mut h, "/dev/stderr", 64).unwrap(), b"/proc/self/fd/2");
    // /dev/shm is writable, for shm_open.
    write_file(&mut h, "/dev/shm/seg", b"shared");
    assert_eq!(read_file(&mut h, "/dev/shm/seg").unwrap(), b"shared");
}

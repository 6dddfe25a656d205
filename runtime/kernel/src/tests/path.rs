//! Path resolution: `.`/`..`, mounts, symlinks, trailing slashes, the
//! `O_*` flags that change a lookup, and read-only mounts.

use alloc::boxed::Box;

use super::*;
use crate::vfs::memfs::MemFs;
use crate::vfs::path::normalize;
use crate::vfs::{FileSystem, NewNode};

#[test]
fn normalize_is_lexical_and_absolute() {
    assert_eq!(normalize(b"/tmp/../tmp/./x//y/"), b"/tmp/x/y");
    assert_eq!(normalize(b"/../.."), b"/");
    assert_eq!(normalize(b""), b"/");
    assert_eq!(normalize(b"a/b/.."), b"/a");
}

#[test]
fn dot_and_dotdot_at_mount_roots_and_at_slash() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/x", b"hi");
    assert_eq!(read_file(&mut h, "/tmp/../tmp/./x").unwrap(), b"hi");
    // `..` at / stays at /.
    assert_eq!(read_file(&mut h, "/../../tmp/x").unwrap(), b"hi");
    // `..` at the root of the /tmp mount leads to / (of the root fs), not
    // to the /tmp directory it covers.
    assert_eq!(chdir(&mut h, "/tmp"), 0);
    assert_eq!(chdir(&mut h, ".."), 0);
    assert_eq!(getcwd(&mut h), b"/");
    assert!(list(&mut h, ".").contains(&b"proc".to_vec()));
    assert_eq!(chdir(&mut h, "/proc/self/.."), 0);
    assert_eq!(getcwd(&mut h), b"/proc");
    // The mount root and the directory it covers are different nodes.
    let tmp = stat(&mut h, "/tmp").unwrap();
    let root = stat(&mut h, "/").unwrap();
    assert_ne!(tmp.dev, root.dev);
    assert_eq!(stat(&mut h, "/tmp/..").unwrap().ino, root.ino);
}

#[test]
fn relative_paths_follow_the_cwd_and_getcwd_reports_it() {
    let mut h = Harness::new();
    assert_eq!(mkdir(&mut h, "/tmp/a", 0o755), 0);
    assert_eq!(mkdir(&mut h, "/tmp/a/b", 0o755), 0);
    assert_eq!(chdir(&mut h, "/tmp/a/b"), 0);
    write_file(&mut h, "f", b"1");
    assert_eq!(read_file(&mut h, "/tmp/a/b/f").unwrap(), b"1");
    assert_eq!(read_file(&mut h, "../b/./f").unwrap(), b"1");
    assert_eq!(getcwd(&mut h), b"/tmp/a/b");
    let small = h.alloc(8);
    assert_eq!(h.sys(nr::getcwd, &[small, 8]), e(Errno::ERANGE));
    assert_eq!(h.sys(nr::getcwd, &[small, 0]), e(Errno::ERANGE));
    let big = h.alloc(64);
    assert_eq!(h.sys(nr::getcwd, &[big, 64]), 9, "length with the NUL");
    assert_eq!(chdir(&mut h, "f"), e(Errno::ENOTDIR));
    assert_eq!(chdir(&mut h, "nope"), e(Errno::ENOENT));
    // A removed cwd has no path any more.
    assert_eq!(chdir(&mut h, ".."), 0);
    assert_eq!(unlink(&mut h, "b/f"), 0);
    assert_eq!(chdir(&mut h, "b"), 0);
    assert_eq!(rmdir(&mut h, "/tmp/a/b"), 0);
    assert_eq!(h.sys(nr::getcwd, &[big, 64]), e(Errno::ENOENT));
    assert_eq!(open(&mut h, "new", O_CREAT | O_WRONLY, 0o644), e(Errno::ENOENT));
}

#[test]
fn fchdir_and_dirfd_relative_lookups() {
    let mut h = Harness::new();
    mkdir(&mut h, "/tmp/d", 0o755);
    write_file(&mut h, "/tmp/d/f", b"x");
    let d = open(&mut h, "/tmp/d", O_RDONLY | O_DIRECTORY, 0);
    let p = h.cstr("f");
    let fd = h.sys(nr::openat, &[d as u32, p, O_RDONLY, 0]);
    assert!(fd >= 0);
    // A file as dirfd: ENOTDIR; a bad one: EBADF; absolute paths ignore it.
    assert_eq!(h.sys(nr::openat, &[fd as u32, p, O_RDONLY, 0]), e(Errno::ENOTDIR));
    assert_eq!(h.sys(nr::openat, &[99, p, O_RDONLY, 0]), e(Errno::EBADF));
    let abs = h.cstr("/tmp/d/f");
    assert!(h.sys(nr::openat, &[99, abs, O_RDONLY, 0]) >= 0);
    let empty = h.cstr("");
    assert_eq!(h.sys(nr::openat, &[d as u32, empty, O_RDONLY, 0]), e(Errno::ENOENT));
    assert_eq!(h.sys(nr::fchdir, &[fd as u32]), e(Errno::ENOTDIR));
    assert_eq!(h.sys(nr::fchdir, &[d as u32]), 0);
    assert_eq!(getcwd(&mut h), b"/tmp/d");
}

#[test]
fn symlinks_chains_loops_and_absolute_targets() {
    let mut h = Harness::new();
    mkdir(&mut h, "/tmp/d", 0o755);
    write_file(&mut h, "/tmp/d/f", b"data");
    assert_eq!(symlink(&mut h, "d/f", "/tmp/l1"), 0);
    assert_eq!(symlink(&mut h, "l1", "/tmp/l2"), 0);
    assert_eq!(symlink(&mut h, "/tmp/d", "/tmp/abs"), 0);
    assert_eq!(read_file(&mut h, "/tmp/l2").unwrap(), b"data");
    assert_eq!(read_file(&mut h, "/tmp/abs/f").unwrap(), b"data");
    // `..` after an absolute symlink goes up from where the link led.
    assert_eq!(read_file(&mut h, "/tmp/abs/../d/f").unwrap(), b"data");
    assert_eq!(symlink(&mut h, "loop", "/tmp/loop"), 0);
    assert_eq!(open(&mut h, "/tmp/loop", O_RDONLY, 0), e(Errno::ELOOP));
    assert_eq!(open(&mut h, "/tmp/loop/x", O_RDONLY, 0), e(Errno::ELOOP));
    // 40 links are followed, the 41st is ELOOP.
    symlink(&mut h, "d/f", "/tmp/c0");
    for i in 1..=41 {
        symlink(&mut h, &alloc::format!("c{}", i - 1), &alloc::format!("/tmp/c{i}"));
    }
    assert_eq!(read_file(&mut h, "/tmp/c39").unwrap(), b"data");
    assert_eq!(open(&mut h, "/tmp/c40", O_RDONLY, 0), e(Errno::ELOOP));
    // A symlink to a file with a trailing slash: ENOTDIR.
    assert_eq!(symlink(&mut h, "d/f/", "/tmp/lfs"), 0);
    assert_eq!(open(&mut h, "/tmp/lfs", O_RDONLY, 0), e(Errno::ENOTDIR));
    assert_eq!(symlink(&mut h, "", "/tmp/empty"), e(Errno::ENOENT));
}

#[test]
fn symlinks_cannot_escape_a_mount_root_through_dotdot() {
    let mut h = Harness::new();
    // A host-like mount at /mnt/jail: `..` from its root lands on /mnt, an
    // absolute link restarts at the namespace's /, never on the host.
    let mut fs = MemFs::new();
    fs.insert(1, b"up", NewNode::Symlink(b"../../../../.."), 0o777, Timespec::default()).unwrap();
    fs.insert(1, b"root", NewNode::Symlink(b"/"), 0o777, Timespec::default()).unwrap();
    h.k.mount(b"/mnt/jail", Box::new(fs), false).unwrap();
    assert_eq!(chdir(&mut h, "/mnt/jail/up"), 0);
    assert_eq!(getcwd(&mut h), b"/");
    assert_eq!(chdir(&mut h, "/mnt/jail/root/tmp"), 0);
    assert_eq!(getcwd(&mut h), b"/tmp");
    assert_eq!(chdir(&mut h, "/mnt/jail/.."), 0);
    assert_eq!(getcwd(&mut h), b"/mnt");
}

#[test]
fn trailing_slashes_need_directories() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"");
    mkdir(&mut h, "/tmp/d", 0o755);
    symlink(&mut h, "d", "/tmp/ld");
    assert_eq!(open(&mut h, "/tmp/f/", O_RDONLY, 0), e(Errno::ENOTDIR));
    assert_eq!(stat(&mut h, "/tmp/f/").unwrap_err(), e(Errno::ENOTDIR));
    assert!(open(&mut h, "/tmp/d/", O_RDONLY, 0) >= 0);
    // A trailing slash follows a final symlink even with NOFOLLOW.
    assert_eq!(lstat(&mut h, "/tmp/ld/").unwrap().mode & S_IFMT, S_IFDIR);
    assert_eq!(open(&mut h, "/tmp/new/", O_CREAT | O_RDWR, 0o644), e(Errno::EISDIR));
    assert_eq!(open(&mut h, "/tmp/f/", O_CREAT | O_RDWR, 0o644), e(Errno::EISDIR));
    assert_eq!(open(&mut h, "/tmp/nx/y/", O_CREAT | O_RDWR, 0o644), e(Errno::ENOENT));
    assert_eq!(mkdir(&mut h, "/tmp/d2/", 0o755), 0);
    assert_eq!(mkdir(&mut h, "/tmp/f/", 0o755), e(Errno::EEXIST));
    assert_eq!(symlink(&mut h, "t", "/tmp/x/"), e(Errno::ENOENT));
    assert_eq!(open(&mut h, "/tmp/f/x", O_RDONLY, 0), e(Errno::ENOTDIR));
    assert_eq!(open(&mut h, "/tmp/nx/x", O_RDONLY, 0), e(Errno::ENOENT));
}

#[test]
fn empty_paths_and_long_names() {
    let mut h = Harness::new();
    assert_eq!(open(&mut h, "", O_RDONLY, 0), e(Errno::ENOENT));
    assert_eq!(stat(&mut h, "").unwrap_err(), e(Errno::ENOENT));
    // AT_EMPTY_PATH names the dirfd itself (here the cwd).
    assert_eq!(stat_flags(&mut h, "", AT_EMPTY_PATH).unwrap().mode & S_IFMT, S_IFDIR);
    let long = "a".repeat(256);
    assert_eq!(open(&mut h, &alloc::format!("/tmp/{long}"), O_CREAT | O_RDWR, 0o644), e(Errno::ENAMETOOLONG));
    assert_eq!(mkdir(&mut h, &alloc::format!("/tmp/{long}"), 0o755), e(Errno::ENAMETOOLONG));
    assert!(open(&mut h, &alloc::format!("/tmp/{}", &long[..255]), O_CREAT | O_RDWR, 0o644) >= 0);
}

#[test]
fn open_flags_excl_trunc_directory_nofollow_path() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"hello");
    mkdir(&mut h, "/tmp/d", 0o755);
    symlink(&mut h, "f", "/tmp/lf");
    symlink(&mut h, "nothere", "/tmp/dang");
    assert_eq!(open(&mut h, "/tmp/f", O_CREAT | O_EXCL | O_RDWR, 0o644), e(Errno::EEXIST));
    // O_EXCL never follows: a symlink, even dangling, exists.
    assert_eq!(open(&mut h, "/tmp/dang", O_CREAT | O_EXCL | O_RDWR, 0o644), e(Errno::EEXIST));
    assert_eq!(open(&mut h, "/tmp/lf", O_CREAT | O_EXCL | O_RDWR, 0o644), e(Errno::EEXIST));
    // O_CREAT through a dangling symlink creates its target.
    let fd = open(&mut h, "/tmp/dang", O_CREAT | O_WRONLY, 0o644);
    assert!(fd >= 0);
    assert!(stat(&mut h, "/tmp/nothere").is_ok());
    assert_eq!(open(&mut h, "/tmp/f", O_RDONLY | O_DIRECTORY, 0), e(Errno::ENOTDIR));
    assert_eq!(open(&mut h, "/tmp/x", O_RDONLY | O_CREAT | O_DIRECTORY, 0o644), e(Errno::EINVAL));
    assert_eq!(open(&mut h, "/tmp/lf", O_RDONLY | O_NOFOLLOW, 0), e(Errno::ELOOP));
    assert!(open(&mut h, "/tmp/lf", O_RDONLY | O_NOFOLLOW | O_PATH, 0) >= 0);
    assert_eq!(open(&mut h, "/tmp/d", O_WRONLY, 0), e(Errno::EISDIR));
    assert_eq!(open(&mut h, "/tmp/d", O_RDWR, 0), e(Errno::EISDIR));
    assert_eq!(open(&mut h, "/tmp/d", O_RDONLY | O_TRUNC, 0), e(Errno::EISDIR));
    assert_eq!(open(&mut h, "/tmp/d", O_RDONLY | O_CREAT, 0o644), e(Errno::EISDIR));
    assert_eq!(open(&mut h, "/tmp/d", O_RDONLY | O_TMPFILE, 0o600), e(Errno::EINVAL));
    assert_eq!(open(&mut h, "/tmp/d", O_RDWR | O_TMPFILE, 0o600), e(Errno::EOPNOTSUPP));
    // O_TRUNC empties, O_CREAT alone leaves contents.
    let fd = open(&mut h, "/tmp/f", O_RDWR | O_CREAT, 0o644);
    assert_eq!(read(&mut h, fd, 10).unwrap(), b"hello");
    let fd = open(&mut h, "/tmp/f", O_WRONLY | O_TRUNC, 0);
    assert_eq!(fstat(&mut h, fd).unwrap().size, 0);
}

#[test]
fn umask_applies_to_creation() {
    let mut h = Harness::new();
    h.sys(nr::umask, &[0o027]);
    let fd = open(&mut h, "/tmp/f", O_CREAT | O_WRONLY, 0o666);
    close(&mut h, fd);
    assert_eq!(stat(&mut h, "/tmp/f").unwrap().mode, S_IFREG | 0o640);
    mkdir(&mut h, "/tmp/d", 0o777);
    assert_eq!(stat(&mut h, "/tmp/d").unwrap().mode, S_IFDIR | 0o750);
}

fn ro_harness() -> Harness {
    let mut h = Harness::new();
    let mut fs = MemFs::new();
    fs.insert(1, b"file", NewNode::File, 0o644, Timespec::default()).unwrap();
    fs.insert(1, b"dir", NewNode::Dir, 0o755, Timespec::default()).unwrap();
    h.k.mount(b"/ro", Box::new(fs), true).unwrap();
    h
}

#[test]
fn read_only_mounts_refuse_every_change_with_erofs() {
    let mut h = ro_harness();
    assert!(open(&mut h, "/ro/file", O_RDONLY, 0) >= 0);
    assert_eq!(open(&mut h, "/ro/new", O_CREAT | O_WRONLY, 0o644), e(Errno::EROFS));
    assert_eq!(open(&mut h, "/ro/file", O_WRONLY, 0), e(Errno::EROFS));
    assert_eq!(open(&mut h, "/ro/file", O_RDONLY | O_TRUNC, 0), e(Errno::EROFS));
    // O_CREAT on an existing file without write access is fine.
    assert!(open(&mut h, "/ro/file", O_CREAT | O_RDONLY, 0o644) >= 0);
    assert_eq!(unlink(&mut h, "/ro/file"), e(Errno::EROFS));
    assert_eq!(unlink(&mut h, "/ro/missing"), e(Errno::EROFS), "EROFS comes before the lookup");
    assert_eq!(rmdir(&mut h, "/ro/dir"), e(Errno::EROFS));
    assert_eq!(mkdir(&mut h, "/ro/x", 0o755), e(Errno::EROFS));
    assert_eq!(mkdir(&mut h, "/ro/dir", 0o755), e(Errno::EEXIST), "EEXIST comes first");
    assert_eq!(rename(&mut h, "/ro/file", "/ro/g"), e(Errno::EROFS));
    assert_eq!(symlink(&mut h, "x", "/ro/l"), e(Errno::EROFS));
    assert_eq!(link(&mut h, "/ro/file", "/ro/l", 0), e(Errno::EROFS));
    assert_eq!(at(&mut h, nr::fchmodat, "/ro/file", &[0o600]), e(Errno::EROFS));
    assert_eq!(at(&mut h, nr::fchownat, "/ro/file", &[1, 1, 0]), e(Errno::EROFS));
    assert_eq!(at(&mut h, nr::utimensat, "/ro/file", &[0, 0]), e(Errno::EROFS));
    assert_eq!(at(&mut h, nr::mknodat, "/ro/fifo", &[S_IFIFO | 0o644, 0]), e(Errno::EROFS));
    let p = h.cstr("/ro/file");
    assert_eq!(h.sys(nr::truncate, &[p, 0, 0]), e(Errno::EROFS));
    assert_eq!(at(&mut h, nr::faccessat, "/ro/file", &[W_OK]), e(Errno::EROFS));
    assert_eq!(at(&mut h, nr::faccessat, "/ro/file", &[R_OK]), 0);
    // Moving into or out of it crosses mounts first.
    write_file(&mut h, "/tmp/t", b"");
    assert_eq!(rename(&mut h, "/tmp/t", "/ro/t"), e(Errno::EXDEV));
    // /proc is mounted read-only too.
    assert_eq!(open(&mut h, "/proc/self/cmdline", O_WRONLY, 0), e(Errno::EROFS));
    assert_eq!(mkdir(&mut h, "/proc/x", 0o755), e(Errno::EROFS));
}

#[test]
fn mkdir_p_and_lookup_dir_cross_mounts() {
    let mut h = Harness::new();
    h.k.mount(b"/tmp/sub/mnt", Box::new(MemFs::new()), false).unwrap();
    assert!(stat(&mut h, "/tmp/sub").is_ok(), "mount point created inside the /tmp mount");
    write_file(&mut h, "/tmp/sub/mnt/x", b"1");
    // The file lives in the new mount, not in /tmp's file system.
    let (x, tmp) = (stat(&mut h, "/tmp/sub/mnt/x").unwrap(), stat(&mut h, "/tmp").unwrap());
    assert_ne!(x.dev, tmp.dev);
    assert_eq!(rmdir(&mut h, "/tmp/sub/mnt"), e(Errno::EBUSY));
    assert_eq!(rename(&mut h, "/tmp/sub/mnt", "/tmp/other"), e(Errno::EBUSY));
    let fs: &dyn FileSystem = &*h.k.vfs.get(0).fs;
    assert_eq!(fs.fs_type(), "tmpfs");
}

//! Directories and names: listing, creating, removing, renaming, linking.

use alloc::format;
use alloc::vec::Vec;

use super::*;

#[test]
fn getdents_small_buffers_lose_and_repeat_nothing() {
    let mut h = Harness::new();
    mkdir(&mut h, "/tmp/d", 0o755);
    for i in 0..30 {
        write_file(&mut h, &format!("/tmp/d/file-{i:02}"), b"");
    }
    mkdir(&mut h, "/tmp/d/sub", 0o755);
    let fd = open(&mut h, "/tmp/d", O_RDONLY | O_DIRECTORY, 0);
    assert_eq!(getdents(&mut h, fd, 10), Err(e(Errno::EINVAL)), "no room for one entry");
    let mut seen = Vec::new();
    loop {
        // 64 bytes hold two 32-byte records at most.
        let ents = getdents(&mut h, fd, 64).unwrap();
        if ents.is_empty() {
            break;
        }
        assert!(ents.len() <= 2);
        seen.extend(ents);
    }
    let names: Vec<&[u8]> = seen.iter().map(|d| &d.name[..]).collect();
    assert_eq!(names.len(), 33);
    assert_eq!(&names[..2], &[&b"."[..], b".."]);
    assert_eq!(names[2], b"file-00");
    assert_eq!(names[32], b"sub");
    let sub = seen.iter().find(|d| d.name == b"sub").unwrap();
    assert_eq!(sub.kind, DT_DIR);
    assert_eq!(seen[2].kind, DT_REG);
    assert_eq!(sub.ino, stat(&mut h, "/tmp/d/sub").unwrap().ino);
    // d_off resumes after its entry: seeking there lists the rest.
    assert_eq!(seek(&mut h, fd, seen[30].off, SEEK_SET), seen[30].off);
    let rest: Vec<Vec<u8>> = getdents(&mut h, fd, 4096).unwrap().into_iter().map(|d| d.name).collect();
    assert_eq!(rest, [b"file-29".to_vec(), b"sub".to_vec()]);
    assert_eq!(seek(&mut h, fd, 0, SEEK_SET), 0);
    assert_eq!(getdents(&mut h, fd, 4096).unwrap().len(), 33);
    let f = open(&mut h, "/tmp/d/file-00", O_RDONLY, 0);
    assert_eq!(getdents(&mut h, f, 4096), Err(e(Errno::ENOTDIR)));
    let p = open(&mut h, "/tmp/d", O_PATH, 0);
    assert_eq!(getdents(&mut h, p, 4096), Err(e(Errno::EBADF)));
}

#[test]
fn listing_survives_unlink_and_create_between_calls() {
    let mut h = Harness::new();
    mkdir(&mut h, "/tmp/r", 0o755);
    for i in 0..10 {
        write_file(&mut h, &format!("/tmp/r/e{i}"), b"");
    }
    let fd = open(&mut h, "/tmp/r", O_RDONLY | O_DIRECTORY, 0);
    let mut names: Vec<Vec<u8>> = getdents(&mut h, fd, 24 * 6).unwrap().into_iter().map(|d| d.name).collect();
    assert_eq!(names.last().unwrap(), b"e3");
    // Remove one already listed and one not yet listed; add one.
    unlink(&mut h, "/tmp/r/e1");
    unlink(&mut h, "/tmp/r/e6");
    write_file(&mut h, "/tmp/r/new", b"");
    loop {
        let ents = getdents(&mut h, fd, 24 * 3).unwrap();
        if ents.is_empty() {
            break;
        }
        names.extend(ents.into_iter().map(|d| d.name));
    }
    let want: Vec<Vec<u8>> =
        [".", "..", "e0", "e1", "e2", "e3", "e4", "e5", "e7", "e8", "e9", "new"].iter().map(|s| s.as_bytes().to_vec()).collect();
    assert_eq!(names, want);
}

#[test]
fn mkdir_rmdir_unlink_errors() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"");
    mkdir(&mut h, "/tmp/d", 0o755);
    mkdir(&mut h, "/tmp/ne", 0o755);
    write_file(&mut h, "/tmp/ne/x", b"");
    symlink(&mut h, "d", "/tmp/ld");
    symlink(&mut h, "nothere", "/tmp/dang");
    assert_eq!(mkdir(&mut h, "/", 0o755), e(Errno::EEXIST));
    assert_eq!(mkdir(&mut h, "/tmp/f", 0o755), e(Errno::EEXIST));
    assert_eq!(mkdir(&mut h, "/tmp/.", 0o755), e(Errno::EEXIST));
    assert_eq!(mkdir(&mut h, "/tmp/dang", 0o755), e(Errno::EEXIST));
    assert_eq!(mkdir(&mut h, "/tmp/nx/a", 0o755), e(Errno::ENOENT));
    assert_eq!(rmdir(&mut h, "/tmp/d/."), e(Errno::EINVAL));
    assert_eq!(rmdir(&mut h, "/tmp/d/.."), e(Errno::ENOTEMPTY));
    assert_eq!(rmdir(&mut h, "/"), e(Errno::EBUSY));
    assert_eq!(rmdir(&mut h, "/tmp/f"), e(Errno::ENOTDIR));
    assert_eq!(rmdir(&mut h, "/tmp/ld"), e(Errno::ENOTDIR));
    assert_eq!(rmdir(&mut h, "/tmp/ne"), e(Errno::ENOTEMPTY));
    assert_eq!(rmdir(&mut h, "/tmp/nx"), e(Errno::ENOENT));
    assert_eq!(unlink(&mut h, "/tmp/."), e(Errno::EISDIR));
    assert_eq!(unlink(&mut h, "/"), e(Errno::EISDIR));
    assert_eq!(unlink(&mut h, "/tmp/d"), e(Errno::EISDIR));
    assert_eq!(unlink(&mut h, "/tmp/d/"), e(Errno::EISDIR));
    assert_eq!(unlink(&mut h, "/tmp/f/"), e(Errno::ENOTDIR));
    assert_eq!(unlink(&mut h, "/tmp/ld/"), e(Errno::ENOTDIR));
    assert_eq!(at(&mut h, nr::unlinkat, "/tmp/f", &[1]), e(Errno::EINVAL));
    // Unlinking a symlink removes the link, not its target.
    assert_eq!(unlink(&mut h, "/tmp/ld"), 0);
    assert!(stat(&mut h, "/tmp/d").is_ok());
    let dfd = open(&mut h, "/tmp/d", O_RDONLY | O_DIRECTORY, 0);
    assert_eq!(rmdir(&mut h, "/tmp/d/"), 0);
    assert_eq!(stat(&mut h, "/tmp").unwrap().nlink, 3, "tmp, its ., and ne/..");
    // A removed directory still open: stat works, listing and creating fail.
    assert_eq!(fstat(&mut h, dfd).unwrap().nlink, 0);
    assert_eq!(getdents(&mut h, dfd, 4096), Err(e(Errno::ENOENT)));
    let p = h.cstr("x");
    assert_eq!(h.sys(nr::openat, &[dfd as u32, p, O_CREAT | O_RDWR, 0o644]), e(Errno::ENOENT));
}

#[test]
fn mknod_makes_fifos_and_files() {
    let mut h = Harness::new();
    assert_eq!(at(&mut h, nr::mknodat, "/tmp/fifo", &[S_IFIFO | 0o644, 0]), 0);
    assert_eq!(lstat(&mut h, "/tmp/fifo").unwrap().mode, S_IFIFO | 0o644);
    assert_eq!(at(&mut h, nr::mknodat, "/tmp/reg", &[0o644, 0]), 0);
    assert_eq!(lstat(&mut h, "/tmp/reg").unwrap().mode, S_IFREG | 0o644);
    assert_eq!(at(&mut h, nr::mknodat, "/tmp/dir", &[S_IFDIR | 0o644, 0]), e(Errno::EPERM));
    assert_eq!(at(&mut h, nr::mknodat, "/tmp/bad", &[0o170000 | 0o644, 0]), e(Errno::EINVAL));
    assert_eq!(at(&mut h, nr::mknodat, "/tmp/reg", &[0o644, 0]), e(Errno::EEXIST));
    assert!(open(&mut h, "/tmp/fifo", O_RDONLY | O_PATH, 0) >= 0);
}

#[test]
fn open_unlinked_files_stay_readable() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"still here");
    let fd = open(&mut h, "/tmp/f", O_RDWR, 0);
    assert_eq!(unlink(&mut h, "/tmp/f"), 0);
    assert_eq!(stat(&mut h, "/tmp/f").unwrap_err(), e(Errno::ENOENT));
    assert_eq!(fstat(&mut h, fd).unwrap().nlink, 0);
    assert_eq!(read(&mut h, fd, 100).unwrap(), b"still here");
    assert_eq!(write(&mut h, fd, b"!"), 1);
    // A name reused meanwhile is another file.
    write_file(&mut h, "/tmp/f", b"new");
    assert_eq!(seek(&mut h, fd, 0, SEEK_SET), 0);
    assert_eq!(read(&mut h, fd, 100).unwrap(), b"still here!");
    // linkat cannot resurrect it.
    let empty = h.cstr("");
    let to = h.cstr("/tmp/back");
    assert_eq!(h.sys(nr::linkat, &[fd as u32, empty, AT_FDCWD as u32, to, AT_EMPTY_PATH]), e(Errno::ENOENT));
    close(&mut h, fd);
    assert_eq!(read_file(&mut h, "/tmp/f").unwrap(), b"new");
}

#[test]
fn rename_rules() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"F");
    write_file(&mut h, "/tmp/g", b"G");
    mkdir(&mut h, "/tmp/d", 0o755);
    mkdir(&mut h, "/tmp/e", 0o755);
    mkdir(&mut h, "/tmp/ne", 0o755);
    write_file(&mut h, "/tmp/ne/x", b"");
    assert_eq!(rename(&mut h, "/tmp/f", "/tmp/d"), e(Errno::EISDIR));
    assert_eq!(rename(&mut h, "/tmp/d", "/tmp/f"), e(Errno::ENOTDIR));
    assert_eq!(rename(&mut h, "/tmp/d", "/tmp/ne"), e(Errno::ENOTEMPTY));
    assert_eq!(rename(&mut h, "/tmp/d", "/tmp/d/sub"), e(Errno::EINVAL));
    assert_eq!(rename(&mut h, "/tmp/.", "/tmp/x"), e(Errno::EBUSY));
    assert_eq!(rename(&mut h, "/tmp/d", "/tmp/.."), e(Errno::EBUSY));
    assert_eq!(rename(&mut h, "/tmp/f/", "/tmp/x"), e(Errno::ENOTDIR));
    assert_eq!(rename(&mut h, "/tmp/f", "/tmp/new/"), e(Errno::ENOTDIR));
    assert_eq!(rename(&mut h, "/tmp/nx", "/tmp/x"), e(Errno::ENOENT));
    assert_eq!(rename(&mut h, "/tmp/f", "/f"), e(Errno::EXDEV));
    assert_eq!(rename(&mut h, "/tmp/f", "/tmp/f"), 0);
    // A file over a file replaces it; an open description of the old one
    // keeps its data.
    let old = open(&mut h, "/tmp/g", O_RDONLY, 0);
    assert_eq!(rename(&mut h, "/tmp/f", "/tmp/g"), 0);
    assert_eq!(read_file(&mut h, "/tmp/g").unwrap(), b"F");
    assert_eq!(read(&mut h, old, 10).unwrap(), b"G");
    assert_eq!(stat(&mut h, "/tmp/f").unwrap_err(), e(Errno::ENOENT));
    // A directory over an empty one, and into another directory.
    assert_eq!(rename(&mut h, "/tmp/d", "/tmp/e"), 0);
    assert_eq!(rename(&mut h, "/tmp/e/", "/tmp/ne/moved/"), 0);
    assert_eq!(stat(&mut h, "/tmp/ne").unwrap().nlink, 3);
    assert_eq!(stat(&mut h, "/tmp").unwrap().nlink, 3);
    assert_eq!(chdir(&mut h, "/tmp/ne/moved/.."), 0);
    assert_eq!(getcwd(&mut h), b"/tmp/ne");
    assert_eq!(rename2(&mut h, "/tmp/g", "/tmp/ne/x", RENAME_NOREPLACE), e(Errno::EEXIST));
    assert_eq!(rename2(&mut h, "/tmp/g", "/tmp/g", RENAME_NOREPLACE), e(Errno::EEXIST));
    assert_eq!(rename2(&mut h, "/tmp/g", "/tmp/h", RENAME_NOREPLACE | RENAME_EXCHANGE), e(Errno::EINVAL));
    assert_eq!(rename2(&mut h, "/tmp/g", "/tmp/h", 8), e(Errno::EINVAL));
    assert_eq!(rename2(&mut h, "/tmp/g", "/tmp/h", RENAME_NOREPLACE), 0);
}

#[test]
fn rename_exchange_swaps_entries() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/a", b"A");
    mkdir(&mut h, "/tmp/dir", 0o755);
    write_file(&mut h, "/tmp/dir/inner", b"I");
    assert_eq!(rename2(&mut h, "/tmp/a", "/tmp/nx", RENAME_EXCHANGE), e(Errno::ENOENT));
    assert_eq!(rename2(&mut h, "/tmp/dir", "/tmp/dir/inner", RENAME_EXCHANGE), e(Errno::EINVAL));
    assert_eq!(rename2(&mut h, "/tmp/dir/inner", "/tmp/dir", RENAME_EXCHANGE), e(Errno::EINVAL));
    assert_eq!(rename2(&mut h, "/tmp/a", "/tmp/dir/inner", RENAME_EXCHANGE), 0);
    assert_eq!(read_file(&mut h, "/tmp/a").unwrap(), b"I");
    assert_eq!(read_file(&mut h, "/tmp/dir/inner").unwrap(), b"A");
}

#[test]
fn hard_links_share_the_node() {
    let mut h = Harness::new();
    write_file(&mut h, "/tmp/f", b"x");
    mkdir(&mut h, "/tmp/d", 0o755);
    symlink(&mut h, "nothere", "/tmp/dang");
    symlink(&mut h, "f", "/tmp/lf");
    assert_eq!(link(&mut h, "/tmp/f", "/tmp/g", 0), 0);
    let (f, g) = (stat(&mut h, "/tmp/f").unwrap(), stat(&mut h, "/tmp/g").unwrap());
    assert_eq!((f.ino, f.nlink), (g.ino, 2));
    write_file(&mut h, "/tmp/g", b"changed");
    assert_eq!(read_file(&mut h, "/tmp/f").unwrap(), b"changed");
    assert_eq!(unlink(&mut h, "/tmp/f"), 0);
    assert_eq!(stat(&mut h, "/tmp/g").unwrap().nlink, 1);
    assert_eq!(link(&mut h, "/tmp/d", "/tmp/x", 0), e(Errno::EPERM));
    assert_eq!(link(&mut h, "/tmp/g", "/tmp/d", 0), e(Errno::EEXIST));
    assert_eq!(link(&mut h, "/tmp/g/", "/tmp/x", 0), e(Errno::ENOTDIR));
    assert_eq!(link(&mut h, "/tmp/g", "/tmp/x/", 0), e(Errno::ENOENT));
    assert_eq!(link(&mut h, "/tmp/nx", "/tmp/x", 0), e(Errno::ENOENT));
    assert_eq!(link(&mut h, "/tmp/g", "/x", 0), e(Errno::EXDEV));
    // Without AT_SYMLINK_FOLLOW the link itself is linked.
    assert_eq!(link(&mut h, "/tmp/dang", "/tmp/dl", 0), 0);
    assert_eq!(lstat(&mut h, "/tmp/dl").unwrap().mode & S_IFMT, S_IFLNK);
    symlink(&mut h, "g", "/tmp/lg");
    assert_eq!(link(&mut h, "/tmp/lg", "/tmp/viafollow", AT_SYMLINK_FOLLOW), 0);
    assert_eq!(lstat(&mut h, "/tmp/viafollow").unwrap().ino, stat(&mut h, "/tmp/g").unwrap().ino);
    assert_eq!(link(&mut h, "/tmp/g", "/tmp/y", 0x2), e(Errno::EINVAL));
    // AT_EMPTY_PATH links what the descriptor refers to.
    let fd = open(&mut h, "/tmp/g", O_RDONLY, 0);
    let (empty, to) = (h.cstr(""), h.cstr("/tmp/byfd"));
    assert_eq!(h.sys(nr::linkat, &[fd as u32, empty, AT_FDCWD as u32, to, AT_EMPTY_PATH]), 0);
    assert_eq!(stat(&mut h, "/tmp/g").unwrap().nlink, 3);
}

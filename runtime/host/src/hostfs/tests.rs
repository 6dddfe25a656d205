use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};

use wasmos_kernel::abi::flags::{RENAME_EXCHANGE, RENAME_NOREPLACE};
use wasmos_kernel::vfs::{ProcInfo, ProcView};

use super::*;

struct NoProcs;
impl ProcView for NoProcs {
    fn pids(&self) -> Vec<u32> {
        Vec::new()
    }
    fn info(&self, _pid: u32) -> Option<ProcInfo> {
        None
    }
}

fn cx() -> FsCtx<'static> {
    FsCtx { now: Timespec::default(), pid: 1, uid: 0, gid: 0, procs: &NoProcs }
}

fn setup() -> (tempfile::TempDir, HostFs) {
    let dir = tempfile::tempdir().unwrap();
    let fs = HostFs::open(dir.path(), false).unwrap();
    (dir, fs)
}

fn names(fs: &mut HostFs, dir: Ino) -> Vec<String> {
    fs.readdir(&cx(), dir, 0, 1000).unwrap().into_iter().map(|(e, _)| String::from_utf8(e.name).unwrap()).collect()
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn open_refuses_files_and_missing_dirs() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f");
    fs::write(&f, b"").unwrap();
    assert!(matches!(HostFs::open(&f, false), Err(OpenError::NotDir)));
    assert!(matches!(HostFs::open(&dir.path().join("nope"), false), Err(OpenError::Io(_))));
}

#[test]
fn create_write_read_stat() {
    let (dir, mut fs) = setup();
    let c = cx();
    let ino = fs.create(&c, ROOT, b"hello.txt", NewNode::File, 0o640).unwrap();
    fs.open(&c, ino).unwrap();
    assert_eq!(fs.write(&c, ino, 0, b"hello world").unwrap(), 11);
    assert_eq!(fs.write(&c, ino, 6, b"WORLD").unwrap(), 5);
    let mut buf = [0u8; 32];
    let n = fs.read(&c, ino, 0, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello WORLD");
    assert_eq!(fs.read(&c, ino, 100, &mut buf).unwrap(), 0);
    fs.release(ino);
    assert_eq!(fs::read(dir.path().join("hello.txt")).unwrap(), b"hello WORLD");
    let st = fs.stat(&c, ino).unwrap();
    assert_eq!(st.ino, ino);
    assert_eq!(st.mode, libc::S_IFREG | 0o640, "exact mode despite the host umask");
    assert_eq!(st.size, 11);
    assert_eq!(st.nlink, 1);
    assert_eq!((st.uid, st.gid), (0, 0), "the host user is root in the guest");
    assert_eq!(fs.lookup(&c, ROOT, b"hello.txt").unwrap(), ino, "inode numbers are stable");
    assert_eq!(fs.create(&c, ROOT, b"hello.txt", NewNode::File, 0o644), Err(Errno::EEXIST));
    assert_eq!(fs.lookup(&c, ROOT, b"missing"), Err(Errno::ENOENT));
    let root = fs.stat(&c, ROOT).unwrap();
    assert_eq!(root.mode & libc::S_IFMT, libc::S_IFDIR);
}

#[test]
fn created_read_only_file_stays_writable_through_its_open() {
    let (_dir, mut fs) = setup();
    let c = cx();
    let ino = fs.create(&c, ROOT, b"ro", NewNode::File, 0o444).unwrap();
    fs.open(&c, ino).unwrap();
    assert_eq!(fs.write(&c, ino, 0, b"x").unwrap(), 1);
    fs.release(ino);
}

#[test]
fn directories_and_readdir() {
    let (dir, mut fs) = setup();
    let c = cx();
    let sub = fs.create(&c, ROOT, b"sub", NewNode::Dir, 0o750).unwrap();
    assert_eq!(fs.stat(&c, sub).unwrap().mode, libc::S_IFDIR | 0o750);
    for n in ["c", "a", "b"] {
        fs.create(&c, sub, n.as_bytes(), NewNode::File, 0o644).unwrap();
    }
    fs::create_dir(dir.path().join("sub/d")).unwrap();
    assert_eq!(names(&mut fs, sub), [".", "..", "a", "b", "c", "d"]);
    let all = fs.readdir(&c, sub, 0, 100).unwrap();
    assert_eq!(all[0].0.ino, sub);
    assert_eq!(all[1].0.ino, ROOT);
    assert_eq!(all[5].0.kind, FileType::Directory);
    assert_eq!(all[5].0.ino, fs.lookup(&c, sub, b"d").unwrap());
    assert_eq!(all[2].0.ino, fs.lookup(&c, sub, b"a").unwrap());
    assert_eq!(fs.parent(&c, sub).unwrap(), ROOT);
    assert_eq!(fs.parent(&c, ROOT).unwrap(), ROOT);
    assert_eq!(fs.rmdir(&c, ROOT, b"sub"), Err(Errno::ENOTEMPTY));
    assert_eq!(fs.unlink(&c, ROOT, b"sub"), Err(Errno::EISDIR));
    assert_eq!(fs.rmdir(&c, sub, b"a"), Err(Errno::ENOTDIR));
    let file = fs.lookup(&c, sub, b"a").unwrap();
    assert_eq!(fs.readdir(&c, file, 0, 10), Err(Errno::ENOTDIR));
    assert_eq!(fs.lookup(&c, file, b"x"), Err(Errno::ENOTDIR));
}

#[test]
fn readdir_positions_are_stable() {
    let (_dir, mut fs) = setup();
    let c = cx();
    for n in ["a", "b", "c", "d"] {
        fs.create(&c, ROOT, n.as_bytes(), NewNode::File, 0o644).unwrap();
    }
    // Reader 1 reads three entries; reader 2 restarts and changes things;
    // reader 1 continues where it was, on its own snapshot.
    let first = fs.readdir(&c, ROOT, 0, 3).unwrap();
    assert_eq!(first.iter().map(|(e, _)| e.name.clone()).collect::<Vec<_>>(), [&b"."[..], b"..", b"a"]);
    let resume = first[2].1;
    fs.unlink(&c, ROOT, b"b").unwrap();
    fs.create(&c, ROOT, b"bb", NewNode::File, 0o644).unwrap();
    assert_eq!(names(&mut fs, ROOT), [".", "..", "a", "bb", "c", "d"]);
    let rest = fs.readdir(&c, ROOT, resume, 100).unwrap();
    assert_eq!(rest.iter().map(|(e, _)| e.name.clone()).collect::<Vec<_>>(), [&b"b"[..], b"c", b"d"]);
    // Seeking back to a position (telldir/seekdir) repeats from there.
    let again = fs.readdir(&c, ROOT, rest[0].1, 1).unwrap();
    assert_eq!(again[0].0.name, b"c");
    let end = fs.readdir(&c, ROOT, rest[2].1, 10).unwrap();
    assert!(end.is_empty());
    for (_, pos) in rest {
        assert!(pos != 0 && (pos as i64) > 0);
    }
}

#[test]
fn rename_link_and_unlink_keep_identity() {
    let (dir, mut fs) = setup();
    let c = cx();
    let d1 = fs.create(&c, ROOT, b"d1", NewNode::Dir, 0o755).unwrap();
    let d2 = fs.create(&c, ROOT, b"d2", NewNode::Dir, 0o755).unwrap();
    let f = fs.create(&c, d1, b"f", NewNode::File, 0o644).unwrap();
    fs.open(&c, f).unwrap();
    fs.write(&c, f, 0, b"data").unwrap();
    fs.release(f);
    fs.rename(&c, d1, b"f", d2, b"g", 0).unwrap();
    assert_eq!(fs.lookup(&c, d2, b"g").unwrap(), f);
    assert_eq!(fs.stat(&c, f).unwrap().size, 4, "the moved node is still reachable by inode");
    // Renaming a directory keeps what is below it reachable.
    fs.rename(&c, ROOT, b"d2", ROOT, b"d3", 0).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(fs.read(&c, f, 0, &mut buf).unwrap(), 4);
    assert!(dir.path().join("d3/g").exists());
    // Hard links are one inode.
    fs.link(&c, f, d1, b"h").unwrap();
    assert_eq!(fs.lookup(&c, d1, b"h").unwrap(), f);
    assert_eq!(fs.stat(&c, f).unwrap().nlink, 2);
    // NOREPLACE and EXCHANGE.
    assert_eq!(fs.rename(&c, d1, b"h", d2, b"g", RENAME_NOREPLACE), Err(Errno::EEXIST));
    let other = fs.create(&c, d1, b"other", NewNode::File, 0o600).unwrap();
    fs.rename(&c, d1, b"other", d2, b"g", RENAME_EXCHANGE).unwrap();
    assert_eq!(fs.lookup(&c, d2, b"g").unwrap(), other);
    assert_eq!(fs.lookup(&c, d1, b"other").unwrap(), f);
    assert_eq!(fs.rename(&c, d1, b"other", d2, b"g", 4), Err(Errno::EINVAL));
    // An unlinked file stays readable while open.
    fs.open(&c, f).unwrap();
    fs.unlink(&c, d1, b"other").unwrap();
    fs.unlink(&c, d1, b"h").unwrap();
    assert_eq!(fs.read(&c, f, 0, &mut buf).unwrap(), 4);
    assert_eq!(fs.stat(&c, f).unwrap().nlink, 0);
    fs.release(f);
    assert!(fs.stat(&c, f).is_err());
    fs.rmdir(&c, ROOT, b"d1").unwrap();
    assert_eq!(fs.lookup(&c, ROOT, b"d1"), Err(Errno::ENOENT));
}

#[test]
fn setattr_truncate_chmod_times_chown() {
    let (dir, mut fs) = setup();
    let c = cx();
    let f = fs.create(&c, ROOT, b"f", NewNode::File, 0o644).unwrap();
    fs.open(&c, f).unwrap();
    fs.write(&c, f, 0, b"0123456789").unwrap();
    fs.setattr(&c, f, &SetAttr { size: Some(4), ..Default::default() }).unwrap();
    assert_eq!(fs.stat(&c, f).unwrap().size, 4);
    fs.release(f);
    // Truncate without an open descriptor.
    fs.setattr(&c, f, &SetAttr { size: Some(2), ..Default::default() }).unwrap();
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"01");
    fs.setattr(&c, f, &SetAttr { mode: Some(0o600), ..Default::default() }).unwrap();
    assert_eq!(fs::metadata(dir.path().join("f")).unwrap().permissions().mode() & 0o7777, 0o600);
    // chmod 000 then back, as the owner can.
    fs.setattr(&c, f, &SetAttr { mode: Some(0), ..Default::default() }).unwrap();
    fs.setattr(&c, f, &SetAttr { mode: Some(0o644), ..Default::default() }).unwrap();
    let t = Timespec { sec: 1_000_000_000, nsec: 5 };
    fs.setattr(&c, f, &SetAttr { mtime: Some(t), ..Default::default() }).unwrap();
    let st = fs.stat(&c, f).unwrap();
    assert_eq!(st.mtime, t);
    assert_ne!(st.atime, t, "atime left alone");
    // chown to guest root is chown to the host user: always allowed.
    fs.setattr(&c, f, &SetAttr { uid: Some(0), gid: Some(0), ..Default::default() }).unwrap();
    if !is_root() {
        let r = fs.setattr(&c, f, &SetAttr { uid: Some(12345), ..Default::default() });
        assert_eq!(r, Err(Errno::EPERM));
    }
    // Symlinks: no chmod, but times of the link itself.
    let l = fs.create(&c, ROOT, b"l", NewNode::Symlink(b"f"), 0o777).unwrap();
    assert_eq!(fs.setattr(&c, l, &SetAttr { mode: Some(0o600), ..Default::default() }), Err(Errno::EOPNOTSUPP));
    fs.setattr(&c, l, &SetAttr { mtime: Some(t), ..Default::default() }).unwrap();
    assert_eq!(fs::symlink_metadata(dir.path().join("l")).unwrap().mtime(), 1_000_000_000);
}

#[test]
fn fifos_and_devices() {
    let (_dir, mut fs) = setup();
    let c = cx();
    let p = fs.create(&c, ROOT, b"p", NewNode::Fifo, 0o600).unwrap();
    assert_eq!(fs.stat(&c, p).unwrap().mode, libc::S_IFIFO | 0o600);
    let mut buf = [0u8; 4];
    assert_eq!(fs.read(&c, p, 0, &mut buf), Err(Errno::EINVAL), "never opens (and blocks on) a host fifo");
    assert_eq!(fs.create(&c, ROOT, b"null", NewNode::CharDev(0x103), 0o666), Err(Errno::EPERM));
}

#[test]
fn readonly_mount_refuses_changes() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"abc").unwrap();
    let mut fs = HostFs::open(dir.path(), true).unwrap();
    let c = cx();
    let f = fs.lookup(&c, ROOT, b"f").unwrap();
    fs.open(&c, f).unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(fs.read(&c, f, 0, &mut buf).unwrap(), 3);
    assert_eq!(fs.write(&c, f, 0, b"x"), Err(Errno::EROFS));
    assert_eq!(fs.create(&c, ROOT, b"g", NewNode::File, 0o644), Err(Errno::EROFS));
    assert_eq!(fs.unlink(&c, ROOT, b"f"), Err(Errno::EROFS));
    assert_eq!(fs.setattr(&c, f, &SetAttr { size: Some(0), ..Default::default() }), Err(Errno::EROFS));
    fs.release(f);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"abc");
}

#[test]
fn symlinks_are_never_followed_on_the_host() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret"), b"TOP SECRET").unwrap();
    let (dir, mut fs) = setup();
    let c = cx();
    // A symlink made on the host, and one made by the guest, both pointing
    // out of the mount by absolute path; and one by `..`.
    symlink(outside.path(), dir.path().join("host-link")).unwrap();
    symlink(outside.path().join("secret"), dir.path().join("file-link")).unwrap();
    let target = outside.path().as_os_str().as_bytes();
    fs.create(&c, ROOT, b"guest-link", NewNode::Symlink(target), 0o777).unwrap();
    fs.create(&c, ROOT, b"dotdot", NewNode::Symlink(b"../../../../.."), 0o777).unwrap();
    for name in [&b"host-link"[..], b"guest-link", b"dotdot", b"file-link"] {
        let l = fs.lookup(&c, ROOT, name).unwrap();
        assert_eq!(fs.stat(&c, l).unwrap().mode & libc::S_IFMT, libc::S_IFLNK, "lookup does not follow");
        // Walking through the link as a directory fails: the kernel must
        // resolve it (inside the guest namespace), hostfs will not.
        assert_eq!(fs.lookup(&c, l, b"secret"), Err(Errno::ENOTDIR));
        assert_eq!(fs.readdir(&c, l, 0, 10), Err(Errno::ENOTDIR));
        let mut buf = [0u8; 32];
        assert_eq!(fs.read(&c, l, 0, &mut buf), Err(Errno::EINVAL), "reading a link reads nothing behind it");
        assert!(fs.open(&c, l).is_ok(), "an O_PATH-like open of the link itself");
        fs.release(l);
        // Changing attributes acts on the link, never on its target.
        let _ = fs.setattr(&c, l, &SetAttr { mode: Some(0o777), size: None, ..Default::default() });
        assert!(fs.setattr(&c, l, &SetAttr { size: Some(0), ..Default::default() }).is_err());
    }
    assert_eq!(fs::read(outside.path().join("secret")).unwrap(), b"TOP SECRET");
    let l = fs.lookup(&c, ROOT, b"guest-link").unwrap();
    assert_eq!(fs.readlink(&c, l).unwrap(), target, "the target text is the kernel's to resolve");
    let f = fs.lookup(&c, ROOT, b"host-link").unwrap();
    assert_eq!(fs.readlink(&c, ROOT), Err(Errno::EINVAL));
    // A link to the link is a link, not the outside directory.
    fs.link(&c, f, ROOT, b"hard").unwrap();
    assert!(fs::symlink_metadata(dir.path().join("hard")).unwrap().file_type().is_symlink());
}

#[test]
fn names_that_could_leave_the_directory_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let (dir, mut fs) = setup();
    fs::create_dir(dir.path().join("sub")).unwrap();
    let c = cx();
    let sub = fs.lookup(&c, ROOT, b"sub").unwrap();
    for bad in [&b".."[..], b".", b"", b"a/b", b"../x", b"sub/.."] {
        assert_eq!(fs.lookup(&c, sub, bad), Err(Errno::EINVAL), "{:?}", String::from_utf8_lossy(bad));
        assert_eq!(fs.create(&c, ROOT, bad, NewNode::File, 0o644), Err(Errno::EINVAL));
        assert_eq!(fs.unlink(&c, sub, bad), Err(Errno::EINVAL));
    }
    let outside_name = format!("../{}", outside.path().file_name().unwrap().to_string_lossy());
    assert!(fs.create(&c, ROOT, outside_name.as_bytes(), NewNode::File, 0o644).is_err());
    // `..` of the root is the root: the kernel climbs out of mounts itself.
    assert_eq!(fs.parent(&c, ROOT).unwrap(), ROOT);
    let listing = fs.readdir(&c, ROOT, 0, 10).unwrap();
    assert_eq!(listing[1].0.name, b"..");
    assert_eq!(listing[1].0.ino, ROOT);
}

#[test]
fn swapped_in_symlink_is_detected_not_followed() {
    // Someone else replaces a directory the guest already knows with a
    // symlink to the outside: the cached inode no longer matches.
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret"), b"s").unwrap();
    let (dir, mut fs) = setup();
    fs::create_dir(dir.path().join("d")).unwrap();
    fs::write(dir.path().join("d/secret"), b"inside").unwrap();
    let c = cx();
    let d = fs.lookup(&c, ROOT, b"d").unwrap();
    let secret = fs.lookup(&c, d, b"secret").unwrap();
    // Drop the cached directory descriptor to force a fresh walk.
    fs.forget_dir(d);
    fs::rename(dir.path().join("d"), dir.path().join("old")).unwrap();
    symlink(outside.path(), dir.path().join("d")).unwrap();
    let mut buf = [0u8; 16];
    let r = fs.read(&c, secret, 0, &mut buf);
    assert!(r.is_err(), "{r:?}");
    assert!(fs.lookup(&c, d, b"secret").is_err());
}

#[test]
fn id_mapping() {
    assert_eq!(map_id(1000, 1000), 0);
    assert_eq!(map_id(0, 1000), OVERFLOW_ID);
    assert_eq!(map_id(33, 1000), 33);
    assert_eq!(map_id(0, 0), 0);
}

//! procfs: a read-only `/proc` generated at read time from the process
//! table ([`FsCtx::procs`]).
//!
//! Inode numbers encode what a node is: small numbers for `/proc` itself
//! and its fixed files, `pid << 32 | kind << 24 | fd` below a process
//! directory. `/proc/PID/fd/N` and `/proc/PID/cwd` are magic links: the
//! resolver asks the kernel for the object behind them instead of
//! following their text. Directory positions are stable (fixed entries by
//! index, processes by pid, descriptors by number), so listings resume
//! correctly while processes come and go.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::*;
use crate::abi::layout::Stat;
use crate::{Errno, KResult};

const ROOT: Ino = 1;

/// Fixed entries of `/proc`: name, inode, type.
const TOP: &[(&[u8], Ino, FileType)] = &[
    (b"self", 2, FileType::Symlink),
    (b"mounts", 3, FileType::Symlink),
    (b"meminfo", 4, FileType::Regular),
    (b"version", 5, FileType::Regular),
    (b"loadavg", 6, FileType::Regular),
    (b"cpuinfo", 7, FileType::Regular),
    (b"filesystems", 8, FileType::Regular),
];
const SELF: Ino = 2;
const MOUNTS_LINK: Ino = 3;

/// What a node below `/proc/PID` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    PidDir = 1,
    Cmdline,
    Comm,
    Cwd,
    Environ,
    Exe,
    FdDir,
    FdLink,
    Mounts,
    Root,
    Stat,
    Statm,
    Status,
}

/// Entries of `/proc/PID`, in listing order.
const PID_ENTRIES: &[(&[u8], Kind)] = &[
    (b"cmdline", Kind::Cmdline),
    (b"comm", Kind::Comm),
    (b"cwd", Kind::Cwd),
    (b"environ", Kind::Environ),
    (b"exe", Kind::Exe),
    (b"fd", Kind::FdDir),
    (b"mounts", Kind::Mounts),
    (b"root", Kind::Root),
    (b"stat", Kind::Stat),
    (b"statm", Kind::Statm),
    (b"status", Kind::Status),
];

impl Kind {
    fn from_u8(v: u8) -> Option<Kind> {
        if v == Kind::PidDir as u8 {
            return Some(Kind::PidDir);
        }
        if v == Kind::FdLink as u8 {
            return Some(Kind::FdLink);
        }
        PID_ENTRIES.iter().map(|e| e.1).find(|k| *k as u8 == v)
    }
    fn file_type(self) -> FileType {
        match self {
            Kind::PidDir | Kind::FdDir => FileType::Directory,
            Kind::Cwd | Kind::Exe | Kind::FdLink | Kind::Root => FileType::Symlink,
            _ => FileType::Regular,
        }
    }
}

fn ino(pid: u32, kind: Kind, fd: u32) -> Ino {
    (pid as u64) << 32 | (kind as u64) << 24 | fd as u64
}

/// (pid, kind, fd) of a per-process inode.
fn decode(ino: Ino) -> Option<(u32, Kind, u32)> {
    let pid = (ino >> 32) as u32;
    if pid == 0 {
        return None;
    }
    Some((pid, Kind::from_u8((ino >> 24) as u8)?, (ino & 0xff_ffff) as u32))
}

fn parse_num(name: &[u8]) -> Option<u32> {
    if name.is_empty() || name.len() > 10 || (name[0] == b'0' && name.len() > 1) {
        return None;
    }
    core::str::from_utf8(name).ok()?.parse().ok()
}

/// The `/proc` file system.
pub struct ProcFs {
    /// `/proc/mounts`, as the mount table last described itself.
    mounts: Vec<u8>,
}

impl ProcFs {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        ProcFs { mounts: Vec::new() }
    }

    /// The process of a per-process inode, checking that it (and, for
    /// `fd/N`, the descriptor) still exists.
    fn info(&self, cx: &FsCtx, ino: Ino) -> KResult<(ProcInfo, Kind, u32)> {
        let (pid, kind, fd) = decode(ino).ok_or(Errno::ENOENT)?;
        let info = cx.procs.info(pid).ok_or(Errno::ENOENT)?;
        if kind == Kind::FdLink && !info.fds.iter().any(|f| f.0 == fd) {
            return Err(Errno::ENOENT);
        }
        Ok((info, kind, fd))
    }

    fn content(&self, cx: &FsCtx, ino: Ino) -> KResult<Vec<u8>> {
        if ino < 1 << 32 {
            return Ok(match ino {
                4 => meminfo(cx),
                5 => format!("Linux version 6.1.0-wasmos (wasmos) #1 wasmos {}\n", env!("CARGO_PKG_VERSION")).into_bytes(),
                6 => {
                    let pids = cx.procs.pids();
                    format!("0.00 0.00 0.00 1/{} {}\n", pids.len(), pids.last().copied().unwrap_or(0)).into_bytes()
                }
                7 => b"processor\t: 0\nvendor_id\t: wasmos\nmodel name\t: wasm32\n\n".to_vec(),
                8 => b"nodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\n".to_vec(),
                ROOT => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            });
        }
        let (p, kind, _) = self.info(cx, ino)?;
        Ok(match kind {
            Kind::Cmdline => p.cmdline,
            Kind::Environ => p.environ,
            Kind::Comm => {
                let mut v = p.name[..p.name.len().min(15)].to_vec();
                v.push(b'\n');
                v
            }
            Kind::Mounts => self.mounts.clone(),
            Kind::Stat => stat_line(&p).into_bytes(),
            Kind::Statm => {
                let pages = p.vm_bytes / 4096;
                format!("{pages} {pages} 0 0 0 {pages} 0\n").into_bytes()
            }
            Kind::Status => status(&p).into_bytes(),
            Kind::PidDir | Kind::FdDir => return Err(Errno::EISDIR),
            Kind::Cwd | Kind::Exe | Kind::FdLink | Kind::Root => return Err(Errno::EINVAL),
        })
    }
}

fn state_name(s: u8) -> &'static str {
    match s {
        b'S' => "S (sleeping)",
        b'Z' => "Z (zombie)",
        b'T' => "T (stopped)",
        _ => "R (running)",
    }
}

fn status(p: &ProcInfo) -> String {
    let kb = p.vm_bytes / 1024;
    let caps = if p.uid == 0 { "000001ffffffffff" } else { "0000000000000000" };
    let name = String::from_utf8_lossy(&p.name);
    let mut s = format!(
        "Name:\t{name}\nUmask:\t{:04o}\nState:\t{}\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t{}\nTracerPid:\t0\n",
        p.umask,
        state_name(p.state),
        p.ppid,
        pid = p.pid,
    );
    s += &format!("Uid:\t{u}\t{u}\t{u}\t{u}\nGid:\t{g}\t{g}\t{g}\t{g}\n", u = p.uid, g = p.gid);
    s += &format!("FDSize:\t{}\nGroups:\t\n", p.fds.len().next_power_of_two().max(64));
    for key in ["VmPeak", "VmSize"] {
        s += &format!("{key}:\t{kb:8} kB\n");
    }
    s += "VmLck:\t       0 kB\nVmPin:\t       0 kB\n";
    for key in ["VmHWM", "VmRSS", "RssAnon"] {
        s += &format!("{key}:\t{kb:8} kB\n");
    }
    s += &format!("VmData:\t{kb:8} kB\nVmStk:\t       0 kB\nVmExe:\t       0 kB\nVmLib:\t       0 kB\nVmSwap:\t       0 kB\n");
    s += "Threads:\t1\nSigQ:\t0/0\n";
    for (key, set) in
        [("SigPnd", p.sig_pending), ("ShdPnd", 0), ("SigBlk", p.sig_blocked), ("SigIgn", p.sig_ignored), ("SigCgt", p.sig_caught)]
    {
        s += &format!("{key}:\t{set:016x}\n");
    }
    s += &format!("CapInh:\t0000000000000000\nCapPrm:\t{caps}\nCapEff:\t{caps}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n");
    s += "NoNewPrivs:\t0\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n";
    s += "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n";
    s
}

/// `/proc/PID/stat`: Linux's 52 fields in order; what the kernel does not
/// track is 0.
fn stat_line(p: &ProcInfo) -> String {
    let comm = String::from_utf8_lossy(&p.name[..p.name.len().min(15)]);
    let start_ticks = p.start_ns / 10_000_000;
    let rss = p.vm_bytes / 4096;
    let mut s = format!(
        "{} ({comm}) {} {} {} {} 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 {start_ticks} {} {rss} 18446744073709551615",
        p.pid, p.state as char, p.ppid, p.pgid, p.sid, p.vm_bytes
    );
    // Fields 26..=37, then exit_signal (SIGCHLD), then 39..=52.
    s += &" 0".repeat(12);
    s += " 17";
    s += &" 0".repeat(14);
    s.push('\n');
    s
}

fn meminfo(cx: &FsCtx) -> Vec<u8> {
    let total_kb: u64 = 4 << 20;
    let used_kb: u64 = cx.procs.pids().iter().filter_map(|&p| cx.procs.info(p)).map(|i| i.vm_bytes / 1024).sum();
    let free = total_kb.saturating_sub(used_kb);
    let mut s = format!("MemTotal:       {total_kb:8} kB\nMemFree:        {free:8} kB\nMemAvailable:   {free:8} kB\n");
    for key in ["Buffers", "Cached", "SwapCached", "SwapTotal", "SwapFree", "Shmem"] {
        s += &format!("{:16}{:8} kB\n", format!("{key}:"), 0);
    }
    s.into_bytes()
}

impl FileSystem for ProcFs {
    fn fs_type(&self) -> &'static str {
        "proc"
    }

    fn root(&self) -> Ino {
        ROOT
    }

    fn stat(&mut self, cx: &FsCtx, ino: Ino) -> KResult<Stat> {
        let mut st = Stat { ino, blksize: 1024, atime: cx.now, mtime: cx.now, ctime: cx.now, nlink: 1, ..Default::default() };
        if ino == ROOT {
            st.mode = S_IFDIR | 0o555;
            st.nlink = 2 + cx.procs.pids().len() as u32;
            return Ok(st);
        }
        if let Some(&(_, _, ty)) = TOP.iter().find(|e| e.1 == ino) {
            st.mode = ty.mode_bits() | if ty == FileType::Symlink { 0o777 } else { 0o444 };
            return Ok(st);
        }
        let (p, kind, fd) = self.info(cx, ino)?;
        st.uid = p.uid;
        st.gid = p.gid;
        st.mode = kind.file_type().mode_bits()
            | match kind {
                Kind::PidDir => 0o555,
                Kind::FdDir => 0o500,
                Kind::Environ => 0o400,
                Kind::FdLink => 0o700,
                Kind::Cwd | Kind::Exe | Kind::Root => 0o777,
                _ => 0o444,
            };
        match kind {
            Kind::PidDir => st.nlink = 2 + 1,
            Kind::FdDir => st.nlink = 2,
            Kind::FdLink => st.size = 64,
            _ => {}
        }
        let _ = fd;
        Ok(st)
    }

    fn lookup(&mut self, cx: &FsCtx, dir: Ino, name: &[u8]) -> KResult<Ino> {
        if dir == ROOT {
            if let Some(e) = TOP.iter().find(|e| e.0 == name) {
                return Ok(e.1);
            }
            let pid = parse_num(name).ok_or(Errno::ENOENT)?;
            cx.procs.info(pid).ok_or(Errno::ENOENT)?;
            return Ok(ino(pid, Kind::PidDir, 0));
        }
        if TOP.iter().any(|e| e.1 == dir) {
            return Err(Errno::ENOTDIR);
        }
        let (p, kind, _) = self.info(cx, dir)?;
        match kind {
            Kind::PidDir => PID_ENTRIES.iter().find(|e| e.0 == name).map(|e| ino(p.pid, e.1, 0)).ok_or(Errno::ENOENT),
            Kind::FdDir => {
                let fd = parse_num(name).filter(|fd| p.fds.iter().any(|f| f.0 == *fd)).ok_or(Errno::ENOENT)?;
                Ok(ino(p.pid, Kind::FdLink, fd))
            }
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn parent(&mut self, _cx: &FsCtx, dir: Ino) -> KResult<Ino> {
        match decode(dir) {
            Some((pid, Kind::FdDir, _)) => Ok(ino(pid, Kind::PidDir, 0)),
            _ => Ok(ROOT),
        }
    }

    fn create(&mut self, _cx: &FsCtx, _dir: Ino, _name: &[u8], _node: NewNode, _mode: u32) -> KResult<Ino> {
        Err(Errno::EROFS)
    }
    fn unlink(&mut self, _cx: &FsCtx, _dir: Ino, _name: &[u8]) -> KResult<()> {
        Err(Errno::EPERM)
    }
    fn rmdir(&mut self, _cx: &FsCtx, _dir: Ino, _name: &[u8]) -> KResult<()> {
        Err(Errno::EPERM)
    }
    fn rename(&mut self, _cx: &FsCtx, _fd: Ino, _f: &[u8], _td: Ino, _t: &[u8], _flags: u32) -> KResult<()> {
        Err(Errno::EPERM)
    }
    fn link(&mut self, _cx: &FsCtx, _ino: Ino, _dir: Ino, _name: &[u8]) -> KResult<()> {
        Err(Errno::EPERM)
    }

    fn readlink(&mut self, cx: &FsCtx, ino: Ino) -> KResult<Vec<u8>> {
        match ino {
            SELF if cx.pid != 0 => return Ok(format!("{}", cx.pid).into_bytes()),
            SELF => return Err(Errno::ENOENT),
            MOUNTS_LINK => return Ok(b"self/mounts".to_vec()),
            _ if ino < 1 << 32 => return Err(Errno::EINVAL),
            _ => {}
        }
        let (p, kind, fd) = self.info(cx, ino)?;
        match kind {
            Kind::Cwd => Ok(p.cwd),
            Kind::Exe if p.exe.is_empty() => Err(Errno::ENOENT),
            Kind::Exe => Ok(p.exe),
            Kind::Root => Ok(b"/".to_vec()),
            Kind::FdLink => Ok(p.fds.into_iter().find(|f| f.0 == fd).map(|f| f.1).unwrap_or_default()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn magic_link(&mut self, _cx: &FsCtx, ino: Ino) -> Option<MagicLink> {
        match decode(ino)? {
            (pid, Kind::Cwd, _) => Some(MagicLink::Cwd { pid }),
            (pid, Kind::FdLink, fd) => Some(MagicLink::Fd { pid, fd }),
            _ => None,
        }
    }

    fn readdir(&mut self, cx: &FsCtx, dir: Ino, pos: u64, max: usize) -> KResult<Vec<(DirEntry, u64)>> {
        let mut out = Vec::new();
        let entry = |ino, name: &[u8], kind| DirEntry { ino, name: name.to_vec(), kind };
        let (parent, list): (Ino, Vec<(u64, DirEntry)>) = if dir == ROOT {
            let mut list: Vec<(u64, DirEntry)> = TOP.iter().enumerate().map(|(i, e)| (2 + i as u64, entry(e.1, e.0, e.2))).collect();
            // Processes after the fixed entries, positioned by pid.
            for pid in cx.procs.pids() {
                list.push((1000 + pid as u64, entry(ino(pid, Kind::PidDir, 0), format!("{pid}").as_bytes(), FileType::Directory)));
            }
            (ROOT, list)
        } else {
            if TOP.iter().any(|e| e.1 == dir) {
                return Err(Errno::ENOTDIR);
            }
            let (p, kind, _) = self.info(cx, dir)?;
            match kind {
                Kind::PidDir => (
                    ROOT,
                    PID_ENTRIES.iter().enumerate().map(|(i, e)| (2 + i as u64, entry(ino(p.pid, e.1, 0), e.0, e.1.file_type()))).collect(),
                ),
                Kind::FdDir => (
                    ino(p.pid, Kind::PidDir, 0),
                    p.fds
                        .iter()
                        .map(|f| (2 + f.0 as u64, entry(ino(p.pid, Kind::FdLink, f.0), format!("{}", f.0).as_bytes(), FileType::Symlink)))
                        .collect(),
                ),
                _ => return Err(Errno::ENOTDIR),
            }
        };
        if pos == 0 {
            out.push((entry(dir, b".", FileType::Directory), 1));
        }
        if pos <= 1 {
            out.push((entry(parent, b"..", FileType::Directory), 2));
        }
        out.extend(list.into_iter().filter(|(p, _)| *p >= pos).map(|(p, e)| (e, p + 1)));
        out.truncate(max);
        Ok(out)
    }

    fn read(&mut self, cx: &FsCtx, ino: Ino, off: u64, buf: &mut [u8]) -> KResult<usize> {
        let data = self.content(cx, ino)?;
        if off >= data.len() as u64 {
            return Ok(0);
        }
        let n = (data.len() - off as usize).min(buf.len());
        buf[..n].copy_from_slice(&data[off as usize..off as usize + n]);
        Ok(n)
    }

    fn write(&mut self, _cx: &FsCtx, _ino: Ino, _off: u64, _data: &[u8]) -> KResult<usize> {
        Err(Errno::EACCES)
    }

    fn setattr(&mut self, _cx: &FsCtx, _ino: Ino, _attr: &SetAttr) -> KResult<()> {
        Err(Errno::EPERM)
    }

    fn mounts_changed(&mut self, table: &[u8]) {
        self.mounts = table.to_vec();
    }
}

//! The syscall table: numbers, names and argument shapes.
//!
//! Numbers follow Linux's asm-generic table (as on riscv and aarch64) with its
//! 32-bit variants (`_llseek`, `mmap2`). Arguments arrive as six 32-bit
//! registers; a 64-bit value takes two consecutive registers, low word first
//! (`Off64`), except `_llseek`, which passes the high word first as on Linux.
//! Time values are always 64-bit (`struct timespec` is `{i64, i32, pad}`), so
//! no `*_time64` variants exist. The sysroot's `bits/syscall.h.in` and
//! `wasmos --strace` are both generated from [`SYSCALLS`].

/// How `--strace` decodes one argument register (or two, for 64-bit values).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Arg {
    /// Signed decimal.
    Int,
    /// Unsigned decimal.
    UInt,
    /// Hexadecimal.
    Hex,
    /// A file descriptor.
    Fd,
    /// A directory fd for `*at` calls (`AT_FDCWD` decoded).
    DirFd,
    /// A NUL-terminated path.
    Path,
    /// Bytes the guest gives; the length is the next register.
    InBuf,
    /// Bytes the kernel fills; the length is the next register and the
    /// result says how many were written.
    OutBuf,
    /// A guest pointer shown as hex.
    Ptr,
    /// A 64-bit offset in two registers, low word first.
    Off64,
    /// A 64-bit offset in two registers, high word first (`_llseek`).
    Off64HiLo,
    /// `O_*` flags.
    OpenFlags,
    /// An octal mode.
    Mode,
    /// `AT_*` flags.
    AtFlags,
    /// `SEEK_*`.
    Whence,
    /// A signal number.
    Signal,
    /// A clock id.
    Clock,
    /// `PROT_*`.
    Prot,
    /// `MAP_*`.
    MapFlags,
    /// `F_*` fcntl command.
    FcntlCmd,
    /// An ioctl request.
    Ioctl,
    /// `struct iovec *`; the count is the next register.
    Iovec,
}

/// One row of the syscall table.
#[derive(Clone, Copy, Debug)]
pub struct Syscall {
    pub nr: u32,
    pub name: &'static str,
    pub args: &'static [Arg],
}

macro_rules! table {
    ($($name:ident = $nr:literal ($($arg:ident),*);)*) => {
        /// Syscall numbers, one constant per row of [`SYSCALLS`].
        #[allow(non_upper_case_globals)]
        pub mod nr {
            $(pub const $name: u32 = $nr;)*
        }
        /// Every syscall the ABI defines, in number order.
        pub const SYSCALLS: &[Syscall] = &[
            $(Syscall { nr: $nr, name: stringify!($name), args: &[$(Arg::$arg),*] },)*
        ];
    };
}

use Arg::*;

table! {
    getcwd = 17 (OutBuf, UInt);
    dup = 23 (Fd);
    dup3 = 24 (Fd, Fd, OpenFlags);
    fcntl = 25 (Fd, FcntlCmd, Hex);
    ioctl = 29 (Fd, Ioctl, Hex);
    flock = 32 (Fd, Int);
    mknodat = 33 (DirFd, Path, Mode, Hex);
    mkdirat = 34 (DirFd, Path, Mode);
    unlinkat = 35 (DirFd, Path, AtFlags);
    symlinkat = 36 (Path, DirFd, Path);
    linkat = 37 (DirFd, Path, DirFd, Path, AtFlags);
    renameat = 38 (DirFd, Path, DirFd, Path);
    statfs = 43 (Path, Ptr);
    fstatfs = 44 (Fd, Ptr);
    truncate = 45 (Path, Off64);
    ftruncate = 46 (Fd, Off64);
    fallocate = 47 (Fd, Int, Off64, Off64);
    faccessat = 48 (DirFd, Path, Mode);
    chdir = 49 (Path);
    fchdir = 50 (Fd);
    chroot = 51 (Path);
    fchmod = 52 (Fd, Mode);
    fchmodat = 53 (DirFd, Path, Mode);
    fchownat = 54 (DirFd, Path, Int, Int, AtFlags);
    fchown = 55 (Fd, Int, Int);
    openat = 56 (DirFd, Path, OpenFlags, Mode);
    close = 57 (Fd);
    pipe2 = 59 (Ptr, OpenFlags);
    getdents64 = 61 (Fd, OutBuf, UInt);
    _llseek = 62 (Fd, Off64HiLo, Ptr, Whence);
    read = 63 (Fd, OutBuf, UInt);
    write = 64 (Fd, InBuf, UInt);
    readv = 65 (Fd, Iovec, Int);
    writev = 66 (Fd, Iovec, Int);
    pread64 = 67 (Fd, OutBuf, UInt, Off64);
    pwrite64 = 68 (Fd, InBuf, UInt, Off64);
    preadv = 69 (Fd, Iovec, Int, Off64);
    pwritev = 70 (Fd, Iovec, Int, Off64);
    sendfile = 71 (Fd, Fd, Ptr, UInt);
    pselect6 = 72 (Int, Ptr, Ptr, Ptr, Ptr, Ptr);
    ppoll = 73 (Ptr, UInt, Ptr, Ptr, UInt);
    readlinkat = 78 (DirFd, Path, OutBuf, UInt);
    newfstatat = 79 (DirFd, Path, Ptr, AtFlags);
    fstat = 80 (Fd, Ptr);
    sync = 81 ();
    fsync = 82 (Fd);
    fdatasync = 83 (Fd);
    utimensat = 88 (DirFd, Path, Ptr, AtFlags);
    exit = 93 (Int);
    exit_group = 94 (Int);
    waitid = 95 (Int, Int, Ptr, Hex, Ptr);
    set_tid_address = 96 (Ptr);
    futex = 98 (Ptr, Int, Int, Ptr, Ptr, Int);
    set_robust_list = 99 (Ptr, UInt);
    nanosleep = 101 (Ptr, Ptr);
    getitimer = 102 (Int, Ptr);
    setitimer = 103 (Int, Ptr, Ptr);
    clock_gettime = 113 (Clock, Ptr);
    clock_getres = 114 (Clock, Ptr);
    clock_nanosleep = 115 (Clock, Hex, Ptr, Ptr);
    sched_getaffinity = 123 (Int, UInt, Ptr);
    sched_yield = 124 ();
    kill = 129 (Int, Signal);
    tkill = 130 (Int, Signal);
    tgkill = 131 (Int, Int, Signal);
    sigaltstack = 132 (Ptr, Ptr);
    rt_sigsuspend = 133 (Ptr, UInt);
    rt_sigaction = 134 (Signal, Ptr, Ptr, UInt);
    rt_sigprocmask = 135 (Int, Ptr, Ptr, UInt);
    rt_sigpending = 136 (Ptr, UInt);
    setpriority = 140 (Int, Int, Int);
    getpriority = 141 (Int, Int);
    setregid = 143 (Int, Int);
    setgid = 144 (Int);
    setreuid = 145 (Int, Int);
    setuid = 146 (Int);
    setresuid = 147 (Int, Int, Int);
    getresuid = 148 (Ptr, Ptr, Ptr);
    setresgid = 149 (Int, Int, Int);
    getresgid = 150 (Ptr, Ptr, Ptr);
    times = 153 (Ptr);
    setpgid = 154 (Int, Int);
    getpgid = 155 (Int);
    getsid = 156 (Int);
    setsid = 157 ();
    getgroups = 158 (Int, Ptr);
    setgroups = 159 (Int, Ptr);
    uname = 160 (Ptr);
    sethostname = 161 (InBuf, UInt);
    getrlimit = 163 (Int, Ptr);
    setrlimit = 164 (Int, Ptr);
    getrusage = 165 (Int, Ptr);
    umask = 166 (Mode);
    prctl = 167 (Int, Hex, Hex, Hex, Hex);
    gettimeofday = 169 (Ptr, Ptr);
    getpid = 172 ();
    getppid = 173 ();
    getuid = 174 ();
    geteuid = 175 ();
    getgid = 176 ();
    getegid = 177 ();
    gettid = 178 ();
    sysinfo = 179 (Ptr);
    socket = 198 (Int, Int, Int);
    brk = 214 (Ptr);
    munmap = 215 (Ptr, UInt);
    mremap = 216 (Ptr, UInt, UInt, Hex, Ptr);
    execve = 221 (Path, Ptr, Ptr);
    mmap2 = 222 (Ptr, UInt, Prot, MapFlags, Fd, UInt);
    fadvise64_64 = 223 (Fd, Off64, Off64, Int);
    mprotect = 226 (Ptr, UInt, Prot);
    msync = 227 (Ptr, UInt, Hex);
    mlock = 228 (Ptr, UInt);
    munlock = 229 (Ptr, UInt);
    madvise = 233 (Ptr, UInt, Int);
    wait4 = 260 (Int, Ptr, Hex, Ptr);
    prlimit64 = 261 (Int, Int, Ptr, Ptr);
    syncfs = 267 (Fd);
    renameat2 = 276 (DirFd, Path, DirFd, Path, Hex);
    getrandom = 278 (OutBuf, UInt, Hex);
    memfd_create = 279 (Path, Hex);
    membarrier = 283 (Int, Int);
    statx = 291 (DirFd, Path, AtFlags, Hex, Ptr);
    close_range = 436 (Fd, Fd, Hex);
    faccessat2 = 439 (DirFd, Path, Mode, AtFlags);
    wasmos_startinfo = 4096 (Ptr, UInt);
}

/// The row for `nr`, if the ABI defines it.
pub fn lookup(nr: u32) -> Option<&'static Syscall> {
    SYSCALLS.binary_search_by_key(&nr, |s| s.nr).ok().map(|i| &SYSCALLS[i])
}

/// How many registers the arguments of `sc` occupy.
pub fn register_count(sc: &Syscall) -> usize {
    sc.args
        .iter()
        .map(|a| match a {
            Off64 | Off64HiLo => 2,
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_fits_six_registers() {
        for w in SYSCALLS.windows(2) {
            assert!(w[0].nr < w[1].nr, "{} and {} out of order", w[0].name, w[1].name);
        }
        for sc in SYSCALLS {
            assert!(register_count(sc) <= 6, "{} takes more than 6 registers", sc.name);
        }
        assert_eq!(lookup(nr::openat).unwrap().name, "openat");
        assert!(lookup(5000).is_none());
    }
}

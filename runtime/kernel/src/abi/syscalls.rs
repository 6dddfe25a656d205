//! The syscall table: numbers, names and argument shapes.
//!
//! Numbers follow Linux's asm-generic table (as on riscv and aarch64) with its
//! 32-bit variants (`_llseek`, `mmap2`). Arguments arrive as six 32-bit
//! registers; a 64-bit value takes two consecutive registers, low word first
//! (`Off64`), except `_llseek`, which passes the high word first as on Linux.
//! Time values are always 64-bit (`struct timespec` is `{i64, i32, pad}`), so
//! no `*_time64` variants exist. The sysroot's `bits/syscall.h.in` and
//! `wasmos --strace` are both generated from [`SYSCALLS`]. A row with no
//! handler in `syscall/table.rs` answers `-ENOSYS`, as on a Linux kernel
//! built without that feature; the number still exists for C.

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
    setxattr = 5 (Path, Path, InBuf, UInt, Hex);
    lsetxattr = 6 (Path, Path, InBuf, UInt, Hex);
    fsetxattr = 7 (Fd, Path, InBuf, UInt, Hex);
    getxattr = 8 (Path, Path, OutBuf, UInt);
    lgetxattr = 9 (Path, Path, OutBuf, UInt);
    fgetxattr = 10 (Fd, Path, OutBuf, UInt);
    listxattr = 11 (Path, Ptr, UInt);
    llistxattr = 12 (Path, Ptr, UInt);
    flistxattr = 13 (Fd, Ptr, UInt);
    removexattr = 14 (Path, Path);
    lremovexattr = 15 (Path, Path);
    fremovexattr = 16 (Fd, Path);
    getcwd = 17 (OutBuf, UInt);
    eventfd2 = 19 (UInt, Hex);
    epoll_create1 = 20 (Hex);
    epoll_ctl = 21 (Fd, Int, Fd, Ptr);
    epoll_pwait = 22 (Fd, Ptr, Int, Int, Ptr, UInt);
    dup = 23 (Fd);
    dup3 = 24 (Fd, Fd, OpenFlags);
    fcntl = 25 (Fd, FcntlCmd, Hex);
    inotify_init1 = 26 (Hex);
    inotify_add_watch = 27 (Fd, Path, Hex);
    inotify_rm_watch = 28 (Fd, Int);
    ioctl = 29 (Fd, Ioctl, Hex);
    flock = 32 (Fd, Int);
    mknodat = 33 (DirFd, Path, Mode, Hex);
    mkdirat = 34 (DirFd, Path, Mode);
    unlinkat = 35 (DirFd, Path, AtFlags);
    symlinkat = 36 (Path, DirFd, Path);
    linkat = 37 (DirFd, Path, DirFd, Path, AtFlags);
    renameat = 38 (DirFd, Path, DirFd, Path);
    umount2 = 39 (Path, Hex);
    mount = 40 (Path, Path, Path, Hex, Ptr);
    pivot_root = 41 (Path, Path);
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
    vhangup = 58 ();
    pipe2 = 59 (Ptr, OpenFlags);
    quotactl = 60 (Hex, Path, Int, Ptr);
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
    signalfd4 = 74 (Fd, Ptr, UInt, Hex);
    vmsplice = 75 (Fd, Iovec, UInt, Hex);
    splice = 76 (Fd, Ptr, Fd, Ptr, UInt, Hex);
    tee = 77 (Fd, Fd, UInt, Hex);
    readlinkat = 78 (DirFd, Path, OutBuf, UInt);
    newfstatat = 79 (DirFd, Path, Ptr, AtFlags);
    fstat = 80 (Fd, Ptr);
    sync = 81 ();
    fsync = 82 (Fd);
    fdatasync = 83 (Fd);
    timerfd_create = 85 (Clock, Hex);
    timerfd_settime = 86 (Fd, Hex, Ptr, Ptr);
    timerfd_gettime = 87 (Fd, Ptr);
    utimensat = 88 (DirFd, Path, Ptr, AtFlags);
    acct = 89 (Path);
    capget = 90 (Ptr, Ptr);
    capset = 91 (Ptr, Ptr);
    exit = 93 (Int);
    exit_group = 94 (Int);
    waitid = 95 (Int, Int, Ptr, Hex, Ptr);
    set_tid_address = 96 (Ptr);
    unshare = 97 (Hex);
    futex = 98 (Ptr, Int, Int, Ptr, Ptr, Int);
    set_robust_list = 99 (Ptr, UInt);
    get_robust_list = 100 (Int, Ptr, Ptr);
    nanosleep = 101 (Ptr, Ptr);
    getitimer = 102 (Int, Ptr);
    setitimer = 103 (Int, Ptr, Ptr);
    init_module = 105 (Ptr, UInt, Path);
    delete_module = 106 (Path, Hex);
    timer_create = 107 (Clock, Ptr, Ptr);
    timer_gettime = 108 (Int, Ptr);
    timer_getoverrun = 109 (Int);
    timer_settime = 110 (Int, Hex, Ptr, Ptr);
    timer_delete = 111 (Int);
    clock_settime = 112 (Clock, Ptr);
    clock_gettime = 113 (Clock, Ptr);
    clock_getres = 114 (Clock, Ptr);
    clock_nanosleep = 115 (Clock, Hex, Ptr, Ptr);
    syslog = 116 (Int, Ptr, Int);
    ptrace = 117 (Int, Int, Ptr, Ptr);
    sched_setparam = 118 (Int, Ptr);
    sched_setscheduler = 119 (Int, Int, Ptr);
    sched_getscheduler = 120 (Int);
    sched_getparam = 121 (Int, Ptr);
    sched_setaffinity = 122 (Int, UInt, Ptr);
    sched_getaffinity = 123 (Int, UInt, Ptr);
    sched_yield = 124 ();
    sched_get_priority_max = 125 (Int);
    sched_get_priority_min = 126 (Int);
    sched_rr_get_interval = 127 (Int, Ptr);
    kill = 129 (Int, Signal);
    tkill = 130 (Int, Signal);
    tgkill = 131 (Int, Int, Signal);
    sigaltstack = 132 (Ptr, Ptr);
    rt_sigsuspend = 133 (Ptr, UInt);
    rt_sigaction = 134 (Signal, Ptr, Ptr, UInt);
    rt_sigprocmask = 135 (Int, Ptr, Ptr, UInt);
    rt_sigpending = 136 (Ptr, UInt);
    rt_sigtimedwait = 137 (Ptr, Ptr, Ptr, UInt);
    rt_sigqueueinfo = 138 (Int, Signal, Ptr);
    setpriority = 140 (Int, Int, Int);
    getpriority = 141 (Int, Int);
    reboot = 142 (Hex, Hex, Hex, Ptr);
    setregid = 143 (Int, Int);
    setgid = 144 (Int);
    setreuid = 145 (Int, Int);
    setuid = 146 (Int);
    setresuid = 147 (Int, Int, Int);
    getresuid = 148 (Ptr, Ptr, Ptr);
    setresgid = 149 (Int, Int, Int);
    getresgid = 150 (Ptr, Ptr, Ptr);
    setfsuid = 151 (Int);
    setfsgid = 152 (Int);
    times = 153 (Ptr);
    setpgid = 154 (Int, Int);
    getpgid = 155 (Int);
    getsid = 156 (Int);
    setsid = 157 ();
    getgroups = 158 (Int, Ptr);
    setgroups = 159 (Int, Ptr);
    uname = 160 (Ptr);
    sethostname = 161 (InBuf, UInt);
    setdomainname = 162 (InBuf, UInt);
    getrlimit = 163 (Int, Ptr);
    setrlimit = 164 (Int, Ptr);
    getrusage = 165 (Int, Ptr);
    umask = 166 (Mode);
    prctl = 167 (Int, Hex, Hex, Hex, Hex);
    getcpu = 168 (Ptr, Ptr, Ptr);
    gettimeofday = 169 (Ptr, Ptr);
    getpid = 172 ();
    getppid = 173 ();
    getuid = 174 ();
    geteuid = 175 ();
    getgid = 176 ();
    getegid = 177 ();
    gettid = 178 ();
    sysinfo = 179 (Ptr);
    mq_open = 180 (Path, OpenFlags, Mode, Ptr);
    mq_unlink = 181 (Path);
    mq_timedsend = 182 (Fd, InBuf, UInt, UInt, Ptr);
    mq_timedreceive = 183 (Fd, OutBuf, UInt, Ptr, Ptr);
    mq_notify = 184 (Fd, Ptr);
    mq_getsetattr = 185 (Fd, Ptr, Ptr);
    msgget = 186 (Int, Hex);
    msgctl = 187 (Int, Int, Ptr);
    msgrcv = 188 (Int, Ptr, UInt, Int, Hex);
    msgsnd = 189 (Int, Ptr, UInt, Hex);
    semget = 190 (Int, Int, Hex);
    semctl = 191 (Int, Int, Int, Hex);
    semop = 193 (Int, Ptr, UInt);
    shmget = 194 (Int, UInt, Hex);
    shmctl = 195 (Int, Int, Ptr);
    shmat = 196 (Int, Ptr, Hex);
    shmdt = 197 (Ptr);
    socket = 198 (Int, Int, Int);
    socketpair = 199 (Int, Int, Int, Ptr);
    bind = 200 (Fd, Ptr, UInt);
    listen = 201 (Fd, Int);
    connect = 203 (Fd, Ptr, UInt);
    getsockname = 204 (Fd, Ptr, Ptr);
    getpeername = 205 (Fd, Ptr, Ptr);
    sendto = 206 (Fd, InBuf, UInt, Hex, Ptr, UInt);
    recvfrom = 207 (Fd, OutBuf, UInt, Hex, Ptr, Ptr);
    setsockopt = 208 (Fd, Int, Int, Ptr, UInt);
    getsockopt = 209 (Fd, Int, Int, Ptr, Ptr);
    shutdown = 210 (Fd, Int);
    sendmsg = 211 (Fd, Ptr, Hex);
    recvmsg = 212 (Fd, Ptr, Hex);
    readahead = 213 (Fd, Off64, UInt);
    brk = 214 (Ptr);
    munmap = 215 (Ptr, UInt);
    mremap = 216 (Ptr, UInt, UInt, Hex, Ptr);
    execve = 221 (Path, Ptr, Ptr);
    mmap2 = 222 (Ptr, UInt, Prot, MapFlags, Fd, UInt);
    fadvise64_64 = 223 (Fd, Off64, Off64, Int);
    swapon = 224 (Path, Hex);
    swapoff = 225 (Path);
    mprotect = 226 (Ptr, UInt, Prot);
    msync = 227 (Ptr, UInt, Hex);
    mlock = 228 (Ptr, UInt);
    munlock = 229 (Ptr, UInt);
    mlockall = 230 (Hex);
    munlockall = 231 ();
    mincore = 232 (Ptr, UInt, Ptr);
    madvise = 233 (Ptr, UInt, Int);
    remap_file_pages = 234 (Ptr, UInt, Hex, UInt, Hex);
    accept4 = 242 (Fd, Ptr, Ptr, Hex);
    recvmmsg = 243 (Fd, Ptr, UInt, Hex, Ptr);
    wait4 = 260 (Int, Ptr, Hex, Ptr);
    prlimit64 = 261 (Int, Int, Ptr, Ptr);
    fanotify_init = 262 (Hex, Hex);
    fanotify_mark = 263 (Fd, Hex, Off64, DirFd, Path);
    name_to_handle_at = 264 (DirFd, Path, Ptr, Ptr, AtFlags);
    open_by_handle_at = 265 (Fd, Ptr, OpenFlags);
    clock_adjtime = 266 (Clock, Ptr);
    syncfs = 267 (Fd);
    setns = 268 (Fd, Hex);
    sendmmsg = 269 (Fd, Ptr, UInt, Hex);
    process_vm_readv = 270 (Int, Iovec, UInt, Ptr, UInt, Hex);
    process_vm_writev = 271 (Int, Iovec, UInt, Ptr, UInt, Hex);
    renameat2 = 276 (DirFd, Path, DirFd, Path, Hex);
    getrandom = 278 (OutBuf, UInt, Hex);
    memfd_create = 279 (Path, Hex);
    execveat = 281 (DirFd, Path, Ptr, Ptr, AtFlags);
    membarrier = 283 (Int, Int);
    mlock2 = 284 (Ptr, UInt, Hex);
    copy_file_range = 285 (Fd, Ptr, Fd, Ptr, UInt, Hex);
    statx = 291 (DirFd, Path, AtFlags, Hex, Ptr);
    close_range = 436 (Fd, Fd, Hex);
    faccessat2 = 439 (DirFd, Path, Mode, AtFlags);
    wasmos_startinfo = 4096 (Ptr, UInt);
    wasmos_spawn = 4097 (Path, Ptr, Ptr, Ptr, UInt, Ptr);
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

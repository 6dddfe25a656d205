//! Struct layouts shared with C, for wasm32 (ILP32, 64-bit `off_t`/`time_t`).
//!
//! Each struct the kernel reads or writes in guest memory is described here
//! once: the Rust encoder uses the offsets, and the sysroot builder prints the
//! C declarations from the same [`StructDesc`]. A test checks that the two
//! agree with the sizes C will compute.

/// One C field: its declaration text, byte offset and size.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub decl: &'static str,
    pub offset: usize,
    pub size: usize,
}

/// A C struct: tag and fields in order.
#[derive(Clone, Copy, Debug)]
pub struct StructDesc {
    pub tag: &'static str,
    pub size: usize,
    pub align: usize,
    pub fields: &'static [Field],
}

const fn f(decl: &'static str, offset: usize, size: usize) -> Field {
    Field { decl, offset, size }
}

/// `struct stat`, as the C library sees it (`bits/stat.h`).
pub const STAT: StructDesc = StructDesc {
    tag: "stat",
    size: 120,
    align: 8,
    fields: &[
        f("dev_t st_dev", 0, 8),
        f("ino_t st_ino", 8, 8),
        f("mode_t st_mode", 16, 4),
        f("nlink_t st_nlink", 20, 4),
        f("uid_t st_uid", 24, 4),
        f("gid_t st_gid", 28, 4),
        f("dev_t st_rdev", 32, 8),
        f("off_t st_size", 40, 8),
        f("blksize_t st_blksize", 48, 4),
        f("int __st_pad2", 52, 4),
        f("blkcnt_t st_blocks", 56, 8),
        f("struct timespec st_atim", 64, 16),
        f("struct timespec st_mtim", 80, 16),
        f("struct timespec st_ctim", 96, 16),
        f("unsigned __st_unused[2]", 112, 8),
    ],
};

/// `struct kstat`, what `fstat`/`newfstatat` write: the same bytes as
/// [`STAT`] spelled with the field names musl's `fstatat.c` uses.
pub const KSTAT: StructDesc = StructDesc {
    tag: "kstat",
    size: 120,
    align: 8,
    fields: &[
        f("dev_t st_dev", 0, 8),
        f("ino_t st_ino", 8, 8),
        f("mode_t st_mode", 16, 4),
        f("nlink_t st_nlink", 20, 4),
        f("uid_t st_uid", 24, 4),
        f("gid_t st_gid", 28, 4),
        f("dev_t st_rdev", 32, 8),
        f("off_t st_size", 40, 8),
        f("blksize_t st_blksize", 48, 4),
        f("int __pad2", 52, 4),
        f("blkcnt_t st_blocks", 56, 8),
        f("long long st_atime_sec", 64, 8),
        f("long st_atime_nsec", 72, 4),
        f("int __pad_a", 76, 4),
        f("long long st_mtime_sec", 80, 8),
        f("long st_mtime_nsec", 88, 4),
        f("int __pad_m", 92, 4),
        f("long long st_ctime_sec", 96, 8),
        f("long st_ctime_nsec", 104, 4),
        f("int __pad_c", 108, 4),
        f("unsigned __unused[2]", 112, 8),
    ],
};

/// Every struct the header generator emits.
pub const GENERATED_STRUCTS: &[StructDesc] = &[STAT, KSTAT];

/// `struct timespec` (musl, 32-bit long, 64-bit time_t): 16 bytes.
pub const TIMESPEC_SIZE: usize = 16;
/// `struct timeval`: `{ i64 tv_sec; i64 tv_usec }` (suseconds_t is 64-bit).
pub const TIMEVAL_SIZE: usize = 16;
/// `struct iovec`: `{ void *base; size_t len }`.
pub const IOVEC_SIZE: usize = 8;
/// `struct linux_dirent64` header: ino u64, off i64, reclen u16, type u8.
pub const DIRENT64_HEADER: usize = 19;
/// `struct utsname`: six fields of 65 bytes.
pub const UTSNAME_FIELD: usize = 65;
/// `struct rlimit`: two u64 (`rlim_t` is 64-bit).
pub const RLIMIT_SIZE: usize = 16;
/// `struct k_sigaction` as musl passes it: handler, flags, restorer, mask[2].
pub const K_SIGACTION_SIZE: usize = 20;
/// `struct winsize`: four u16.
pub const WINSIZE_SIZE: usize = 8;
/// `struct termios` (Linux kernel layout musl uses): 4 u32 flags, line,
/// 32 cc, speeds — 60 bytes.
pub const TERMIOS_SIZE: usize = 60;

/// The kernel's view of a stat result, encoded with [`STAT`]'s offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub size: i64,
    pub blksize: i32,
    pub blocks: i64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
}

/// Seconds and nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: u32,
}

impl Timespec {
    pub const fn from_nanos(ns: u64) -> Self {
        Timespec { sec: (ns / 1_000_000_000) as i64, nsec: (ns % 1_000_000_000) as u32 }
    }
    pub const fn as_nanos(self) -> i128 {
        self.sec as i128 * 1_000_000_000 + self.nsec as i128
    }
    pub fn encode(self) -> [u8; TIMESPEC_SIZE] {
        let mut b = [0u8; TIMESPEC_SIZE];
        b[0..8].copy_from_slice(&self.sec.to_le_bytes());
        b[8..12].copy_from_slice(&self.nsec.to_le_bytes());
        b
    }
    /// Decodes guest bytes; `None` if `tv_nsec` is out of range.
    pub fn decode(b: &[u8; TIMESPEC_SIZE]) -> Option<Self> {
        let sec = i64::from_le_bytes(b[0..8].try_into().unwrap());
        let nsec = i32::from_le_bytes(b[8..12].try_into().unwrap());
        if !(0..1_000_000_000).contains(&nsec) {
            return None;
        }
        Some(Timespec { sec, nsec: nsec as u32 })
    }
}

impl Stat {
    pub fn encode(&self) -> [u8; 120] {
        let mut b = [0u8; 120];
        let mut put = |off: usize, v: &[u8]| b[off..off + v.len()].copy_from_slice(v);
        put(0, &self.dev.to_le_bytes());
        put(8, &self.ino.to_le_bytes());
        put(16, &self.mode.to_le_bytes());
        put(20, &self.nlink.to_le_bytes());
        put(24, &self.uid.to_le_bytes());
        put(28, &self.gid.to_le_bytes());
        put(32, &self.rdev.to_le_bytes());
        put(40, &self.size.to_le_bytes());
        put(48, &self.blksize.to_le_bytes());
        put(56, &self.blocks.to_le_bytes());
        put(64, &self.atime.encode());
        put(80, &self.mtime.encode());
        put(96, &self.ctime.encode());
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_contiguous_and_sized() {
        for s in GENERATED_STRUCTS {
            let mut end = 0;
            for fld in s.fields {
                assert_eq!(fld.offset, end, "{}: gap before {}", s.tag, fld.decl);
                assert_eq!(fld.offset % fld.size.min(s.align), 0, "{}: {} misaligned", s.tag, fld.decl);
                end = fld.offset + fld.size;
            }
            assert_eq!(end, s.size, "{} size", s.tag);
        }
    }

    #[test]
    fn stat_encoding_follows_descriptor() {
        let st = Stat { ino: 0x1122, mode: 0o100644, size: 5, mtime: Timespec { sec: 7, nsec: 9 }, ..Default::default() };
        let b = st.encode();
        let off = |name: &str| STAT.fields.iter().find(|f| f.decl.ends_with(name)).unwrap().offset;
        assert_eq!(u64::from_le_bytes(b[off("st_ino")..][..8].try_into().unwrap()), 0x1122);
        assert_eq!(u32::from_le_bytes(b[off("st_mode")..][..4].try_into().unwrap()), 0o100644);
        assert_eq!(i64::from_le_bytes(b[off("st_size")..][..8].try_into().unwrap()), 5);
        assert_eq!(i64::from_le_bytes(b[off("st_mtim")..][..8].try_into().unwrap()), 7);
        assert_eq!(u32::from_le_bytes(b[off("st_mtim") + 8..][..4].try_into().unwrap()), 9);
    }
}

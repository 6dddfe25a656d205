//! Memory syscalls: brk, mmap2, munmap, mremap, mprotect and friends.

use super::*;
use crate::abi::flags::*;
use crate::abi::PAGE_SIZE;
use crate::fd::FileKind;
use crate::Kernel;

pub fn brk(k: &mut Kernel, c: &mut Call) -> SysResult {
    let addr = c.u32(0) as u64;
    let pid = c.pid;
    Ok(k.proc_mut(pid).mm.brk(c.mem, addr) as i64)
}

pub fn mmap2(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (addr, len, _prot, flags, fd, pgoff) = (c.u32(0) as u64, c.u32(1) as u64, c.u32(2), c.u32(3), c.i32(4), c.u32(5));
    if len == 0 || flags & (MAP_SHARED | MAP_PRIVATE) == 0 {
        return Err(Errno::EINVAL.into());
    }
    let fixed = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 { Some(addr) } else { None };
    let pid = c.pid;
    if flags & MAP_ANONYMOUS != 0 {
        let a = k.proc_mut(pid).mm.map(c.mem, len, fixed)?;
        return Ok(a as i64);
    }
    // File mappings: private ones are copies; shared writable ones cannot
    // write back, so refuse them rather than lose data silently.
    let entry = k.proc(pid).fds.get(fd)?;
    let file = k.files.get(entry.ofd).clone();
    if !file.readable() {
        return Err(Errno::EACCES.into());
    }
    let node = match file.kind {
        FileKind::Node(n) => n,
        FileKind::Device { .. } | FileKind::Pipe { .. } => return Err(Errno::ENODEV.into()),
    };
    if flags & MAP_SHARED != 0 && _prot & PROT_WRITE != 0 {
        return Err(Errno::ENODEV.into());
    }
    let a = k.proc_mut(pid).mm.map(c.mem, len, fixed)?;
    let mut off = pgoff as u64 * PAGE_SIZE as u64;
    let mut done = 0u64;
    let mut buf = alloc::vec![0u8; 65536];
    while done < len {
        let want = (len - done).min(buf.len() as u64) as usize;
        let n = {
            crate::fs_ctx!(k, pid, snap, cx);
            k.vfs.get_mut(node.mount).fs.read(&cx, node.ino, off, &mut buf[..want])?
        };
        if n == 0 {
            break;
        }
        c.mem.write((a + done) as u32, &buf[..n])?;
        done += n as u64;
        off += n as u64;
    }
    Ok(a as i64)
}

pub fn munmap(k: &mut Kernel, c: &mut Call) -> SysResult {
    let pid = c.pid;
    k.proc_mut(pid).mm.unmap(c.u32(0) as u64, c.u32(1) as u64)?;
    Ok(0)
}

pub fn mremap(k: &mut Kernel, c: &mut Call) -> SysResult {
    let flags = c.u32(3);
    if flags & MREMAP_FIXED != 0 {
        return Err(Errno::EINVAL.into());
    }
    let pid = c.pid;
    let (old, old_len, new_len) = (c.u32(0) as u64, c.u32(1) as u64, c.u32(2) as u64);
    let a = k.proc_mut(pid).mm.remap(c.mem, old, old_len, new_len, flags & MREMAP_MAYMOVE != 0)?;
    Ok(a as i64)
}

/// Wasm has no page protection: accepted so programs that harden their
/// memory keep working.
pub fn mprotect(_k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.u32(0) % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL.into());
    }
    Ok(0)
}

pub fn madvise(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

pub fn msync(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

pub fn mlock(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

pub fn munlock(_k: &mut Kernel, _c: &mut Call) -> SysResult {
    Ok(0)
}

#[cfg(test)]
mod tests {
    use crate::abi::flags::*;
    use crate::abi::syscalls::nr;
    use crate::testutil::Harness;
    use crate::Errno;

    const ANON: u32 = MAP_PRIVATE | MAP_ANONYMOUS;

    #[test]
    fn brk_starts_at_end_of_memory_and_grows_it() {
        let mut h = Harness::new();
        let start = h.sys(nr::brk, &[0]) as u32;
        assert_eq!(start as u64, h.mem.bytes.len() as u64);
        assert_eq!(h.sys(nr::brk, &[start + 100_000]) as u32, start + 100_000);
        assert!(h.mem.bytes.len() as u64 >= (start + 100_000) as u64);
        // Shrinking then growing again yields zeroed memory.
        h.mem.bytes[start as usize + 10] = 7;
        assert_eq!(h.sys(nr::brk, &[start + 5]) as u32, start + 5);
        assert_eq!(h.sys(nr::brk, &[start + 20]) as u32, start + 20);
        assert_eq!(h.mem.bytes[start as usize + 10], 0);
        // Below the start: unchanged.
        assert_eq!(h.sys(nr::brk, &[1]) as u32, start + 20);
    }

    #[test]
    fn mmap_munmap_reuse_zeroes() {
        let mut h = Harness::new();
        let a = h.sys(nr::mmap2, &[0, 8192, PROT_READ | PROT_WRITE, ANON, u32::MAX, 0]) as u32;
        assert_eq!(a % 4096, 0);
        let b = h.sys(nr::mmap2, &[0, 4096, PROT_READ | PROT_WRITE, ANON, u32::MAX, 0]) as u32;
        assert_eq!(b, a + 8192);
        h.mem.bytes[a as usize] = 9;
        assert_eq!(h.sys(nr::munmap, &[a, 8192]), 0);
        let c = h.sys(nr::mmap2, &[0, 4096, PROT_READ, ANON, u32::MAX, 0]) as u32;
        assert_eq!(c, a, "first fit reuses the hole");
        assert_eq!(h.mem.bytes[a as usize], 0, "reused pages are zeroed");
        assert_eq!(h.sys(nr::mmap2, &[0, 0, 0, ANON, u32::MAX, 0]), Errno::EINVAL.neg());
        assert_eq!(h.sys(nr::munmap, &[a + 1, 10]), Errno::EINVAL.neg());
    }

    #[test]
    fn fixed_mapping_inside_the_heap_zeroes_in_place() {
        let mut h = Harness::new();
        let start = h.sys(nr::brk, &[0]) as u32;
        assert_eq!(h.sys(nr::brk, &[start + 8192]) as u32, start + 8192);
        h.mem.bytes[start as usize + 4096] = 5;
        let fixed = MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS;
        assert_eq!(h.sys(nr::mmap2, &[start, 8192, PROT_NONE, fixed, u32::MAX, 0]) as u32, start);
        assert_eq!(h.mem.bytes[start as usize + 4096], 0);
        assert_eq!(h.sys(nr::mmap2, &[start + 4096, 8192, PROT_NONE, fixed, u32::MAX, 0]), Errno::ENOMEM.neg(), "straddles the break");
    }

    #[test]
    fn brk_cannot_grow_into_a_mapping() {
        let mut h = Harness::new();
        let start = h.sys(nr::brk, &[0]) as u32;
        let m = h.sys(nr::mmap2, &[0, 4096, 3, ANON, u32::MAX, 0]) as u32;
        assert_eq!(m, start);
        assert_eq!(h.sys(nr::brk, &[start + 4096]) as u32, start, "brk refused");
    }

    #[test]
    fn mremap_grows_in_place_or_moves_with_content() {
        let mut h = Harness::new();
        let a = h.sys(nr::mmap2, &[0, 4096, 3, ANON, u32::MAX, 0]) as u32;
        assert_eq!(h.sys(nr::mremap, &[a, 4096, 8192, 0, 0]) as u32, a);
        let _blocker = h.sys(nr::mmap2, &[0, 4096, 3, ANON, u32::MAX, 0]) as u32;
        h.mem.bytes[a as usize + 5] = 42;
        assert_eq!(h.sys(nr::mremap, &[a, 8192, 16384, 0, 0]), Errno::ENOMEM.neg());
        let moved = h.sys(nr::mremap, &[a, 8192, 16384, MREMAP_MAYMOVE, 0]) as u32;
        assert_ne!(moved, a);
        assert_eq!(h.mem.bytes[moved as usize + 5], 42);
    }

    #[test]
    fn mmap_respects_memory_limit() {
        let mut h = Harness::new();
        h.mem.max_pages = 20;
        assert_eq!(h.sys(nr::mmap2, &[0, 64 << 20, 3, ANON, u32::MAX, 0]), Errno::ENOMEM.neg());
        assert_eq!(h.sys(nr::mprotect, &[4096, 4096, PROT_READ]), 0);
        assert_eq!(h.sys(nr::mprotect, &[4097, 4096, PROT_READ]), Errno::EINVAL.neg());
    }
}

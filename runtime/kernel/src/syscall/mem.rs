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
        FileKind::Device { .. } => return Err(Errno::ENODEV.into()),
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

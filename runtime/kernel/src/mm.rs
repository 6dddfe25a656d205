//! The memory map of one process: `brk` and `mmap` over linear memory.
//!
//! Linear memory only grows, so the map is a bump region (`brk`) followed by
//! page-aligned mappings placed first-fit above it; memory grows when a
//! mapping ends past its current size. Unmapped pages stay in linear memory
//! and are zeroed when mapped again. There is no page protection: `mprotect`
//! is accepted and ignored (documented in `docs/abi.md`).

use alloc::collections::BTreeMap;

use crate::abi::errno::Errno;
use crate::abi::{PAGE_SIZE, WASM_PAGE};
use crate::engine::Memory;
use crate::KResult;

const PAGE: u64 = PAGE_SIZE as u64;
/// Linear memory of wasm32 ends at 4 GiB.
const ADDRESS_LIMIT: u64 = 1 << 32;

fn page_up(x: u64) -> u64 {
    x.div_ceil(PAGE) * PAGE
}

/// The memory map.
#[derive(Clone, Debug, Default)]
pub struct Mm {
    initialised: bool,
    /// Where `brk` starts: the end of the binary's initial memory.
    pub brk_start: u64,
    pub brk: u64,
    /// Mappings: start → length (both page-aligned).
    maps: BTreeMap<u64, u64>,
    /// Size of linear memory as last seen.
    pub mem_size: u64,
    /// Upper bound on linear memory (bytes).
    pub limit: u64,
}

impl Mm {
    fn init(&mut self, mem: &dyn Memory) {
        if !self.initialised {
            self.initialised = true;
            self.mem_size = mem.size();
            self.brk_start = page_up(self.mem_size);
            self.brk = self.brk_start;
            if self.limit == 0 {
                self.limit = ADDRESS_LIMIT;
            }
        }
    }

    /// Makes linear memory at least `end` bytes long.
    fn ensure(&mut self, mem: &mut dyn Memory, end: u64) -> KResult<()> {
        self.mem_size = mem.size();
        if end > self.limit.min(ADDRESS_LIMIT) {
            return Err(Errno::ENOMEM);
        }
        if end > self.mem_size {
            let pages = (end - self.mem_size).div_ceil(WASM_PAGE);
            mem.grow(pages).map_err(|_| Errno::ENOMEM)?;
            self.mem_size = mem.size();
        }
        Ok(())
    }

    /// Zeroes `[start, end)`, the part of it that existed before growing.
    fn zero(mem: &mut dyn Memory, start: u64, end: u64, old_size: u64) -> KResult<()> {
        let zeros = [0u8; 4096];
        let mut a = start;
        let stop = end.min(old_size);
        while a < stop {
            let n = (stop - a).min(zeros.len() as u64) as usize;
            mem.write(a as u32, &zeros[..n])?;
            a += n as u64;
        }
        Ok(())
    }

    fn is_free(&self, start: u64, end: u64) -> bool {
        if start < self.brk {
            return false;
        }
        // The mapping starting at or before `start`, and any starting inside.
        if let Some((&s, &l)) = self.maps.range(..=start).next_back() {
            if s + l > start {
                return false;
            }
        }
        self.maps.range(start..end).next().is_none()
    }

    /// `brk(addr)`: returns the new (or unchanged) break.
    pub fn brk(&mut self, mem: &mut dyn Memory, addr: u64) -> u64 {
        self.init(mem);
        if addr < self.brk_start {
            return self.brk;
        }
        if addr > self.brk {
            let end = page_up(addr);
            let old_end = page_up(self.brk);
            if end > old_end && self.maps.range(old_end..end).next().is_some() {
                return self.brk;
            }
            let old_size = mem.size();
            if self.ensure(mem, end).is_err() || Self::zero(mem, self.brk, addr, old_size).is_err() {
                return self.brk;
            }
        }
        self.brk = addr;
        self.brk
    }

    /// Maps `len` bytes of zeroed memory; `fixed` forces the address.
    pub fn map(&mut self, mem: &mut dyn Memory, len: u64, fixed: Option<u64>) -> KResult<u64> {
        self.init(mem);
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len);
        let start = match fixed {
            Some(a) => {
                if a % PAGE != 0 {
                    return Err(Errno::EINVAL);
                }
                // Inside the heap (musl's malloc puts a guard page at the
                // start of memory it got from brk): the pages are already
                // ours, so the mapping is just fresh zeroes in place.
                if a >= self.brk_start && a + len <= page_up(self.brk) {
                    Self::zero(mem, a, a + len, u64::MAX)?;
                    return Ok(a);
                }
                if a < page_up(self.brk) || a + len > ADDRESS_LIMIT {
                    return Err(Errno::ENOMEM);
                }
                self.unmap(a, len)?;
                a
            }
            None => self.find_gap(len).ok_or(Errno::ENOMEM)?,
        };
        let old_size = mem.size();
        self.ensure(mem, start + len)?;
        Self::zero(mem, start, start + len, old_size)?;
        self.maps.insert(start, len);
        Ok(start)
    }

    fn find_gap(&self, len: u64) -> Option<u64> {
        let mut cand = page_up(self.brk);
        for (&s, &l) in &self.maps {
            if s >= cand + len {
                return Some(cand);
            }
            cand = cand.max(s + l);
        }
        (cand + len <= self.limit.min(ADDRESS_LIMIT)).then_some(cand)
    }

    /// Removes any mapping overlap with `[addr, addr+len)`.
    pub fn unmap(&mut self, addr: u64, len: u64) -> KResult<()> {
        if addr % PAGE != 0 || len == 0 {
            return Err(Errno::EINVAL);
        }
        let end = addr + page_up(len);
        let overlapping: alloc::vec::Vec<(u64, u64)> =
            self.maps.range(..end).filter(|(&s, &l)| s + l > addr).map(|(&s, &l)| (s, l)).collect();
        for (s, l) in overlapping {
            self.maps.remove(&s);
            if s < addr {
                self.maps.insert(s, addr - s);
            }
            if s + l > end {
                self.maps.insert(end, s + l - end);
            }
        }
        Ok(())
    }

    /// `mremap`: resizes in place when possible, else moves if allowed.
    pub fn remap(&mut self, mem: &mut dyn Memory, old: u64, old_len: u64, new_len: u64, may_move: bool) -> KResult<u64> {
        self.init(mem);
        if old % PAGE != 0 || new_len == 0 {
            return Err(Errno::EINVAL);
        }
        let (old_len, new_len) = (page_up(old_len), page_up(new_len));
        match self.maps.get(&old) {
            Some(&l) if l >= old_len => {}
            _ => return Err(Errno::EFAULT),
        }
        if new_len <= old_len {
            if new_len < old_len {
                self.unmap(old + new_len, old_len - new_len)?;
            }
            return Ok(old);
        }
        let whole = self.maps[&old];
        if whole == old_len && self.is_free(old + old_len, old + new_len) && self.ensure(mem, old + new_len).is_ok() {
            let old_size = self.mem_size;
            Self::zero(mem, old + old_len, old + new_len, old_size)?;
            self.maps.insert(old, new_len);
            return Ok(old);
        }
        if !may_move {
            return Err(Errno::ENOMEM);
        }
        let new = self.map(mem, new_len, None)?;
        let mut buf = [0u8; 4096];
        let mut off = 0;
        while off < old_len {
            let n = (old_len - off).min(buf.len() as u64) as usize;
            mem.read((old + off) as u32, &mut buf[..n])?;
            mem.write((new + off) as u32, &buf[..n])?;
            off += n as u64;
        }
        self.unmap(old, old_len)?;
        Ok(new)
    }

    /// Number of mappings (for tests and `/proc`).
    pub fn mapping_count(&self) -> usize {
        self.maps.len()
    }
}

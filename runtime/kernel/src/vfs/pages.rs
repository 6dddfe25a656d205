//! Sparse file contents in 4 KiB pages, as tmpfs keeps them: a hole reads
//! as zeros and costs nothing, so `ftruncate(fd, 1 << 40)` on a memfd is
//! cheap and `st_blocks` counts only the pages really written.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;

/// Page size of file data.
pub const PAGE: u64 = 4096;

/// The bytes of one regular file.
#[derive(Clone, Debug, Default)]
pub struct Pages {
    size: u64,
    pages: BTreeMap<u64, Box<[u8]>>,
}

impl Pages {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Allocated 512-byte blocks (`st_blocks`).
    pub fn blocks(&self) -> i64 {
        self.pages.len() as i64 * (PAGE / 512) as i64
    }

    /// Copies bytes at `off` into `buf`; returns how many (0 at or past
    /// the end).
    pub fn read(&self, off: u64, buf: &mut [u8]) -> usize {
        if off >= self.size {
            return 0;
        }
        let n = ((self.size - off).min(buf.len() as u64)) as usize;
        let mut done = 0;
        while done < n {
            let pos = off + done as u64;
            let (idx, in_page) = (pos / PAGE, (pos % PAGE) as usize);
            let take = (PAGE as usize - in_page).min(n - done);
            match self.pages.get(&idx) {
                Some(p) => buf[done..done + take].copy_from_slice(&p[in_page..in_page + take]),
                None => buf[done..done + take].fill(0),
            }
            done += take;
        }
        n
    }

    /// Writes `data` at `off`, growing the file; the caller checks limits.
    pub fn write(&mut self, off: u64, data: &[u8]) {
        let mut done = 0;
        while done < data.len() {
            let pos = off + done as u64;
            let (idx, in_page) = (pos / PAGE, (pos % PAGE) as usize);
            let take = (PAGE as usize - in_page).min(data.len() - done);
            let page = self.pages.entry(idx).or_insert_with(|| vec![0u8; PAGE as usize].into_boxed_slice());
            page[in_page..in_page + take].copy_from_slice(&data[done..done + take]);
            done += take;
        }
        self.size = self.size.max(off + data.len() as u64);
    }

    /// Sets the size; bytes past a shrunken end are dropped so that growing
    /// again reads zeros.
    pub fn truncate(&mut self, size: u64) {
        if size < self.size {
            let keep = size.div_ceil(PAGE);
            self.pages.retain(|&i, _| i < keep);
            let tail = (size % PAGE) as usize;
            if tail != 0 {
                if let Some(p) = self.pages.get_mut(&(size / PAGE)) {
                    p[tail..].fill(0);
                }
            }
        }
        self.size = size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_reads_zeros_and_counts_written_pages() {
        let mut p = Pages::default();
        p.write(10_000, b"abc");
        assert_eq!(p.size(), 10_003);
        assert_eq!(p.blocks(), 8);
        let mut buf = [1u8; 8];
        assert_eq!(p.read(9_998, &mut buf), 5);
        assert_eq!(&buf[..5], b"\0\0abc");
        p.truncate(10_001);
        p.truncate(20_000);
        assert_eq!(p.read(10_000, &mut buf), 8);
        assert_eq!(&buf[..3], b"a\0\0");
        p.truncate(1 << 40);
        assert_eq!(p.blocks(), 8, "growing by truncate allocates nothing");
        p.truncate(0);
        assert_eq!(p.blocks(), 0);
    }
}

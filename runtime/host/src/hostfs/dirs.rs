//! Directory listings with stable positions.
//!
//! Reading a directory from position 0 takes a snapshot: `.`, `..`, then
//! the host entries sorted by name. A position encodes the snapshot's
//! generation (high 32 bits) and an index into it (low 32 bits), so a
//! reader that continues (or `seekdir`s back to a `telldir` value) walks the
//! same list even while others restart the directory, and entries created
//! or removed meanwhile neither shift nor repeat what it sees (POSIX leaves
//! their own visibility unspecified). A few snapshots are kept per
//! directory, for a bounded number of directories; a position whose
//! snapshot was dropped continues at the same index of a fresh one.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use wasmos_kernel::vfs::{DirEntry, Ino};

/// Snapshots kept per directory.
const PER_DIR: usize = 4;
/// Directories with snapshots.
const MAX_DIRS: usize = 64;

struct Snap {
    gen: u32,
    entries: Arc<Vec<DirEntry>>,
}

#[derive(Default)]
pub struct Snapshots {
    by_dir: HashMap<Ino, VecDeque<Snap>>,
    next_gen: u32,
}

/// A position: generation and index of the next entry.
pub fn encode(gen: u32, index: usize) -> u64 {
    (u64::from(gen) << 32) | index as u64
}

pub fn decode(pos: u64) -> (u32, usize) {
    ((pos >> 32) as u32, (pos & 0xffff_ffff) as usize)
}

impl Snapshots {
    /// The snapshot `gen` of `dir`, if still kept.
    pub fn get(&self, dir: Ino, gen: u32) -> Option<Arc<Vec<DirEntry>>> {
        self.by_dir.get(&dir)?.iter().find(|s| s.gen == gen).map(|s| s.entries.clone())
    }

    /// Keeps a new snapshot of `dir`; returns its generation (never 0, and
    /// below 2^31 so that positions fit a signed 64-bit `d_off`).
    pub fn insert(&mut self, dir: Ino, entries: Vec<DirEntry>) -> (u32, Arc<Vec<DirEntry>>) {
        self.next_gen = if self.next_gen >= (1 << 31) - 1 { 1 } else { self.next_gen + 1 };
        let gen = self.next_gen;
        if !self.by_dir.contains_key(&dir) && self.by_dir.len() >= MAX_DIRS {
            let oldest = self.by_dir.iter().min_by_key(|(_, q)| q.back().map_or(0, |s| s.gen)).map(|(&d, _)| d);
            if let Some(d) = oldest {
                self.by_dir.remove(&d);
            }
        }
        let q = self.by_dir.entry(dir).or_default();
        if q.len() >= PER_DIR {
            q.pop_front();
        }
        let entries = Arc::new(entries);
        q.push_back(Snap { gen, entries: entries.clone() });
        (gen, entries)
    }

    pub fn forget(&mut self, dir: Ino) {
        self.by_dir.remove(&dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmos_kernel::vfs::FileType;

    fn e(name: &str) -> DirEntry {
        DirEntry { ino: 9, name: name.as_bytes().to_vec(), kind: FileType::Regular }
    }

    #[test]
    fn positions_and_eviction() {
        let mut s = Snapshots::default();
        let (g1, _) = s.insert(5, vec![e("a")]);
        let (g2, _) = s.insert(5, vec![e("b")]);
        assert_ne!(g1, g2);
        assert_eq!(s.get(5, g1).unwrap()[0].name, b"a");
        assert_eq!(decode(encode(g2, 7)), (g2, 7));
        assert!((encode(g2, 7) as i64) > 0);
        for _ in 0..PER_DIR {
            s.insert(5, vec![]);
        }
        assert!(s.get(5, g1).is_none());
        for d in 100..100 + MAX_DIRS as u64 {
            s.insert(d, vec![]);
        }
        assert!(s.by_dir.len() <= MAX_DIRS);
    }
}

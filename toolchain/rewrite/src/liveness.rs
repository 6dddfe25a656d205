//! Which locals an instrumented frame must save: a backward liveness
//! analysis over the transformed body.
//!
//! A rewind re-enters the frame just before one of its call sites (see
//! `instrument.rs`), so the locals to save are those live at the entry of
//! some call site: its inputs still to be pushed, and everything read later
//! before being written. The analysis is the textbook one on structured
//! code: walk each sequence backwards; a branch to a block makes the block's
//! continuation live, a branch to a loop makes the loop's entry live (found by
//! iterating to a fixed point), `return` and `unreachable` kill everything.

use std::collections::{HashMap, HashSet};

use walrus::ir::{Block, Br, BrIf, BrTable, IfElse, Instr, InstrSeqId, LocalGet, LocalSet, LocalTee, Loop};
use walrus::{LocalFunction, LocalId};

type Set = HashSet<LocalId>;

/// The union of the live sets just after each block in `entries` ends, over
/// the body rooted at `root` (nothing is live after it).
pub fn live_at(func: &LocalFunction, root: InstrSeqId, entries: &HashSet<InstrSeqId>) -> Set {
    let mut a = Analysis { func, entries, labels: HashMap::new(), found: Set::new() };
    a.seq(root, Set::new());
    a.found
}

struct Analysis<'a> {
    func: &'a LocalFunction,
    entries: &'a HashSet<InstrSeqId>,
    /// What is live at each label: after a block, at the start of a loop.
    labels: HashMap<InstrSeqId, Set>,
    found: Set,
}

impl Analysis<'_> {
    fn label(&self, id: &InstrSeqId) -> Set {
        self.labels.get(id).cloned().unwrap_or_default()
    }

    /// Live-in of sequence `id` given its live-out.
    fn seq(&mut self, id: InstrSeqId, out: Set) -> Set {
        let mut live = out;
        for (instr, _) in self.func.block(id).instrs.iter().rev() {
            match instr {
                Instr::LocalGet(LocalGet { local }) => {
                    live.insert(*local);
                }
                Instr::LocalSet(LocalSet { local }) | Instr::LocalTee(LocalTee { local }) => {
                    live.remove(local);
                }
                Instr::Br(Br { block }) => live = self.label(block),
                Instr::BrIf(BrIf { block }) => live.extend(self.label(block)),
                Instr::BrTable(BrTable { blocks, default }) => {
                    live = self.label(default);
                    for b in blocks.iter() {
                        live.extend(self.label(b));
                    }
                }
                Instr::Return(_) | Instr::Unreachable(_) | Instr::ReturnCall(_) | Instr::ReturnCallIndirect(_) => live.clear(),
                Instr::Block(Block { seq }) => {
                    if self.entries.contains(seq) {
                        self.found.extend(live.iter().copied());
                    }
                    self.labels.insert(*seq, live.clone());
                    live = self.seq(*seq, live);
                }
                Instr::Loop(Loop { seq }) => {
                    // Iterate: the loop's entry is live-in of its body, given
                    // that branches to it see that same set.
                    let after = live;
                    let mut entry = Set::new();
                    loop {
                        self.labels.insert(*seq, entry.clone());
                        let next = self.seq(*seq, after.clone());
                        if next == entry {
                            break;
                        }
                        entry = next;
                    }
                    live = entry;
                }
                Instr::IfElse(IfElse { consequent, alternative }) => {
                    self.labels.insert(*consequent, live.clone());
                    self.labels.insert(*alternative, live.clone());
                    let mut a = self.seq(*consequent, live.clone());
                    a.extend(self.seq(*alternative, live));
                    live = a;
                }
                _ => {}
            }
        }
        live
    }
}

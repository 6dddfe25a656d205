//! The fork transformation of one function: spilling, rewind dispatch,
//! unwind checks after call sites, and the save/restore of the frame.
//!
//! See `docs/abi.md`, "Fork rewriting", for the protocol with the host. Every
//! instrumented function gets two extra locals: `rw` (the call site to resume
//! at while rewinding) and `site` (the call site being unwound). Call sites are
//! numbered 1.. in textual order, so each sequence's sites, nested ones
//! included, form a contiguous range.
//!
//! * **Points.** A *point* is a call that may unwind, or a block/loop/if that
//!   contains one. Each instruction sequence containing points is cut there.
//! * **Spilling.** Just before a point, its inputs (call arguments, block
//!   parameters, an `if` condition) and every value below them on the operand
//!   stack are stored into temporary locals; the point reads its inputs back
//!   with `local.get`, and the values below are pushed back under its results
//!   after it. So at every point the operand stack holds only the point's
//!   inputs, all in locals. (A call's topmost inputs produced by `local.get`
//!   or a constant right before it are moved next to the call instead.)
//! * **Rewind dispatch.** The sequence becomes
//!   `block $e_n … block $e_1 (dispatch) code_1 end point_1 code_2 … end point_n tail`,
//!   and the dispatch, run only while rewinding, is a `br_table` on `rw`
//!   that branches to the end of `$e_k` for the point `k` containing the
//!   target site. The code between points is skipped; a block or loop point
//!   is entered and dispatches again; an `if` point reads its condition from
//!   its (restored) temporary, i.e. takes the branch it took when unwinding.
//! * **Unwind.** Before a call site `k`: `site = k`; after it: if the state is
//!   "unwinding", branch out of the whole body to the epilogue, which pushes
//!   the live locals and `(site, function)` to the buffer and returns zeros.
//! * **Rewind.** On entry, if the state is "rewinding", pop this function's
//!   record, restore its locals and set `rw`. At a fork import site the rewind
//!   ends: the state returns to normal and the import's result is
//!   `__wasmos_fork_result` (the import is not called again).

use std::collections::{HashMap, HashSet};

use walrus::ir::*;
use walrus::{FunctionId, GlobalId, LocalFunction, LocalId, MemoryId, ModuleLocals, ModuleTypes, ValType};

use crate::callgraph::{CallGraph, Sig};
use crate::frames::{self, Frames, ModuleParts};
use crate::stacktypes::StackTypes;
use crate::RewriteError;

/// `__wasmos_fork_state` values.
pub const STATE_NORMAL: i32 = 0;
/// Unwinding: every instrumented frame saves itself and returns.
pub const STATE_UNWINDING: i32 = 1;
/// Rewinding: every instrumented frame restores itself on entry.
pub const STATE_REWINDING: i32 = 2;
/// Bytes before the first record in the buffer: `u32 cur; u32 end`.
pub const BUFFER_HEADER: u32 = 8;

/// The globals and memory the instrumented code uses.
#[derive(Clone, Copy, Debug)]
pub struct Globals {
    /// `__wasmos_fork_state`.
    pub state: GlobalId,
    /// `__wasmos_fork_data`: the buffer address.
    pub data: GlobalId,
    /// `__wasmos_fork_result`: what the fork import returns on rewind.
    pub result: GlobalId,
    /// Memory 0.
    pub memory: MemoryId,
}

/// Shared, read-only inputs of the transformation.
pub struct Inputs<'a> {
    /// The call graph.
    pub graph: &'a CallGraph,
    /// Every function's signature.
    pub func_sigs: &'a HashMap<FunctionId, Sig>,
    /// Operand-stack types from the validator.
    pub stack: &'a StackTypes,
    /// Globals and memory.
    pub globals: Globals,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Below,
    Input,
    Result,
}

enum Point {
    Call { inputs: usize, results: Vec<ValType>, fork: bool, site: u32 },
    Control { inputs: usize, results: Vec<ValType>, range: (u32, u32) },
}

impl Point {
    fn inputs(&self) -> usize {
        match self {
            Point::Call { inputs, .. } | Point::Control { inputs, .. } => *inputs,
        }
    }
}

/// Instruments one function. `index` identifies it in the records; returns the
/// number of call sites instrumented.
pub fn instrument_function(
    inputs: &Inputs<'_>,
    frames: &mut Frames,
    m: &mut ModuleParts<'_>,
    func: &mut LocalFunction,
    name: &str,
    index: u32,
) -> Result<u32, RewriteError> {
    let entry = func.entry_block();
    let results = m.types.results(func.ty()).to_vec();
    // Not the entry's own type: walrus never emits function-entry types.
    let entry_ty = match results.as_slice() {
        [] => InstrSeqType::Simple(None),
        [t] => InstrSeqType::Simple(Some(*t)),
        r => InstrSeqType::MultiValue(m.types.add(&[], r)),
    };
    let body_instrs = std::mem::take(&mut func.block_mut(entry).instrs);
    let body = new_seq(func, entry_ty, body_instrs);
    let unwind = new_seq(func, InstrSeqType::Simple(None), vec![]);
    let rw = m.locals.add(ValType::I32);
    let site = m.locals.add(ValType::I32);
    let mut t = Transform {
        inputs,
        types: m.types,
        locals_arena: m.locals,
        rw,
        site,
        unwind,
        next_site: 1,
        temps: HashMap::new(),
        call_entries: HashSet::new(),
        control_inputs: Vec::new(),
        name,
    };
    t.seq(func, body, 0)?;
    let sites = t.next_site - 1;
    func.block_mut(unwind).instrs = vec![i(Block { seq: body }), i(Return {})];

    // Only locals live at the entry of some call site need saving, and the
    // temporaries that receive call results are written before any read.
    let mut live = crate::liveness::live_at(func, body, &t.call_entries);
    live.extend(t.control_inputs.iter().copied());
    for ((_, role, _, _), l) in &t.temps {
        if *role == Role::Result {
            live.remove(l);
        }
    }
    live.remove(&rw);
    live.remove(&site);
    let mut saved: Vec<LocalId> = live.into_iter().collect();
    saved.sort();
    // Chunks of locals of one type, as the push/pop helpers take them.
    let mut chunks: Vec<(ValType, Vec<LocalId>)> = Vec::new();
    for ty in [ValType::I64, ValType::F64, ValType::I32, ValType::F32] {
        let of_ty: Vec<LocalId> = saved.iter().copied().filter(|l| m.locals.get(*l).ty() == ty).collect();
        let mut rest = of_ty.as_slice();
        for n in frames::chunks(of_ty.len()) {
            chunks.push((ty, rest[..n].to_vec()));
            rest = &rest[n..];
        }
    }
    if let Some(l) = saved.iter().find(|l| !matches!(m.locals.get(**l).ty(), ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64)) {
        let ty = m.locals.get(*l).ty();
        return Err(RewriteError::Unsupported {
            offset: 0,
            what: format!("a {ty:?} local live across a call in {name}, which can reach fork"),
        });
    }

    // Prologue: when rewinding, pop this frame's record and restore.
    let mut restore = vec![i32c(index as i32), i(Call { func: frames.pop_frame(m) }), local_set(rw)];
    for (ty, ls) in chunks.iter().rev() {
        restore.push(i(Call { func: frames.pop(m, *ty, ls.len()) }));
        restore.extend(ls.iter().rev().map(|l| local_set(*l)));
    }
    let restore = new_seq(func, InstrSeqType::Simple(None), restore);
    let empty = new_seq(func, InstrSeqType::Simple(None), vec![]);
    let g = inputs.globals;
    let mut top =
        vec![global_get(g.state), i32c(STATE_REWINDING), binop(BinaryOp::I32Eq), i(IfElse { consequent: restore, alternative: empty })];
    top.push(i(Block { seq: unwind }));
    // Epilogue, reached by the unwind branches: push the record.
    for (ty, ls) in &chunks {
        top.extend(ls.iter().map(|l| local_get(*l)));
        top.push(i(Call { func: frames.push(m, *ty, ls.len()) }));
    }
    top.extend([local_get(site), i32c(index as i32), i(Call { func: frames.push(m, ValType::I32, 2) })]);
    top.extend(dummies(&results));
    func.block_mut(entry).instrs = top;
    Ok(sites)
}

struct Transform<'a, 'b> {
    inputs: &'a Inputs<'a>,
    types: &'b mut ModuleTypes,
    locals_arena: &'b mut ModuleLocals,
    rw: LocalId,
    site: LocalId,
    unwind: InstrSeqId,
    next_site: u32,
    temps: HashMap<(u32, Role, ValType, usize), LocalId>,
    /// The blocks whose end is the entry of a call site.
    call_entries: HashSet<InstrSeqId>,
    /// Temporaries holding the inputs of blocks, loops and ifs.
    control_inputs: Vec<LocalId>,
    name: &'a str,
}

impl Transform<'_, '_> {
    /// Transforms sequence `id` (nested `depth` deep). Returns the range of
    /// call sites inside it, if any: sites are numbered in textual order, so
    /// the sites of a sequence and of everything nested in it are contiguous.
    fn seq(&mut self, func: &mut LocalFunction, id: InstrSeqId, depth: u32) -> Result<Option<(u32, u32)>, RewriteError> {
        let first_site = self.next_site;
        let instrs = std::mem::take(&mut func.block_mut(id).instrs);
        let mut items: Vec<(Instr, InstrLocId, Option<Point>)> = Vec::with_capacity(instrs.len());
        for (instr, loc) in instrs {
            let terminal = matches!(instr, Instr::Br(_) | Instr::BrTable(_) | Instr::Return(_) | Instr::Unreachable(_));
            let point = self.classify(func, &instr, loc, depth)?;
            items.push((instr, loc, point));
            if terminal {
                break; // the rest of the sequence is dead code
            }
        }
        if items.iter().all(|(_, _, p)| p.is_none()) {
            func.block_mut(id).instrs = items.into_iter().map(|(instr, loc, _)| (instr, loc)).collect();
            return Ok(None);
        }
        let last_site = self.next_site - 1;

        // Cut at the points. `pieces[k]` is the code from point k-1 (excluded)
        // up to point k: the segment, then point k itself.
        let (params, _) = self.seq_sig(func, id);
        let entry = self.temps(depth, Role::Result, &params);
        let mut head: Vec<(Instr, InstrLocId)> = entry.iter().rev().map(|l| local_set(*l)).collect();
        let mut carried = entry;
        let mut seg: Vec<(Instr, InstrLocId)> = Vec::new();
        #[allow(clippy::type_complexity)]
        let mut pieces: Vec<(Vec<(Instr, InstrLocId)>, Vec<(Instr, InstrLocId)>, (u32, u32), bool)> = Vec::new();
        for (instr, loc, point) in items {
            let Some(point) = point else {
                seg.push((instr, loc));
                continue;
            };
            let stack =
                self.inputs.stack.at(loc.data()).ok_or_else(|| self.unsupported(loc, "a call with no recorded stack types"))?.to_vec();
            let n = point.inputs();
            if stack.len() < n {
                return Err(self.unsupported(loc, "an operand stack shallower than the call's inputs"));
            }
            // A call's topmost inputs pushed by `local.get`/`const` right
            // before it are simply moved next to the call: nothing runs between
            // them and the call, so they read the same values on a rewind.
            // (Not for blocks: their bodies may change the locals first.)
            let peel = match point {
                Point::Call { .. } => {
                    seg.iter().rev().take(n).take_while(|(i, _)| matches!(i, Instr::LocalGet(_) | Instr::Const(_))).count()
                }
                Point::Control { .. } => 0,
            };
            let tail = seg.split_off(seg.len() - peel);
            let below = self.temps(depth, Role::Below, &stack[..stack.len() - n]);
            let ins = self.temps(depth, Role::Input, &stack[stack.len() - n..stack.len() - peel]);
            let mut body: Vec<(Instr, InstrLocId)> = carried.iter().map(|l| local_get(*l)).collect();
            body.append(&mut seg);
            body.extend(ins.iter().rev().map(|l| local_set(*l)));
            body.extend(below.iter().rev().map(|l| local_set(*l)));
            let mut code: Vec<(Instr, InstrLocId)> = ins.iter().map(|l| local_get(*l)).collect();
            code.extend(tail);
            let (range, results, is_call) = match point {
                Point::Call { site, results, fork, .. } => {
                    self.call_site(func, (instr, loc), &mut code, site, &results, fork)?;
                    ((site, site), results, true)
                }
                Point::Control { range, results, .. } => {
                    self.control_inputs.extend(ins.iter().copied());
                    code.push((instr, loc));
                    (range, results, false)
                }
            };
            // The values below go back under the results.
            carried = below.clone();
            if !below.is_empty() {
                let res = self.temps(depth, Role::Result, &results);
                code.extend(res.iter().rev().map(|l| local_set(*l)));
                carried.extend(res);
            }
            pieces.push((body, code, range, is_call));
        }
        let mut tail: Vec<(Instr, InstrLocId)> = carried.iter().map(|l| local_get(*l)).collect();
        tail.append(&mut seg);

        // block $e_n ... block $e_1 <dispatch> <piece 1 body> end <point 1> ... end <point n> <tail>
        let targets: Vec<InstrSeqId> = pieces.iter().map(|_| new_seq(func, InstrSeqType::Simple(None), vec![])).collect();
        let starts: Vec<u32> = pieces.iter().map(|(_, _, (lo, _), _)| *lo).collect();
        let mut cur = self.dispatch(func, &targets, &starts, first_site, last_site);
        for ((body, code, _, is_call), target) in pieces.into_iter().zip(targets) {
            if is_call {
                self.call_entries.insert(target);
            }
            cur.extend(body);
            func.block_mut(target).instrs = cur;
            cur = vec![i(Block { seq: target })];
            cur.extend(code);
        }
        cur.extend(tail);
        head.extend(cur);
        func.block_mut(id).instrs = head;
        Ok(Some((first_site, last_site)))
    }

    /// Decides whether `instr` is a point, transforming nested sequences.
    fn classify(&mut self, func: &mut LocalFunction, instr: &Instr, loc: InstrLocId, depth: u32) -> Result<Option<Point>, RewriteError> {
        Ok(match instr {
            Instr::Call(Call { func: f }) => {
                let (params, results) = &self.inputs.func_sigs[f];
                let fork = self.inputs.graph.fork_imports.contains(f);
                self.inputs.graph.call_may_unwind(*f).then(|| Point::Call {
                    inputs: params.len(),
                    results: results.clone(),
                    fork,
                    site: self.new_site(),
                })
            }
            Instr::CallIndirect(CallIndirect { ty, .. }) => {
                let (params, results) = self.types.params_results(*ty);
                let sig = (params.to_vec(), results.to_vec());
                let inputs = params.len() + 1;
                self.inputs.graph.indirect_may_unwind(&sig).then(|| Point::Call {
                    inputs,
                    results: sig.1,
                    fork: false,
                    site: self.new_site(),
                })
            }
            Instr::Block(Block { seq }) | Instr::Loop(Loop { seq }) => {
                let (p, r) = self.seq_sig(func, *seq);
                self.seq(func, *seq, depth + 1)?.map(|range| Point::Control { inputs: p.len(), results: r, range })
            }
            Instr::IfElse(IfElse { consequent, alternative }) => {
                let (p, r) = self.seq_sig(func, *consequent);
                let a = self.seq(func, *consequent, depth + 1)?;
                let b = self.seq(func, *alternative, depth + 1)?;
                let range = match (a, b) {
                    (None, None) => None,
                    (Some(x), None) | (None, Some(x)) => Some(x),
                    (Some((lo, _)), Some((_, hi))) => Some((lo, hi)),
                };
                range.map(|range| Point::Control { inputs: p.len() + 1, results: r, range })
            }
            Instr::ReturnCall(_) | Instr::ReturnCallIndirect(_) | Instr::CallRef(_) | Instr::ReturnCallRef(_) => {
                return Err(self.unsupported(loc, "a tail or reference call"))
            }
            Instr::TryTable(_) | Instr::Throw(_) | Instr::ThrowRef(_) => {
                return Err(self.unsupported(loc, "an exception-handling instruction"))
            }
            _ => None,
        })
    }

    fn new_site(&mut self) -> u32 {
        self.next_site += 1;
        self.next_site - 1
    }

    /// The rewind dispatch of a sequence whose points start at the sites in
    /// `starts` (sorted) and whose entries are the ends of `targets`: nothing
    /// unless rewinding; then a branch to the piece holding site `rw`. One
    /// piece needs no test, a few take a chain of comparisons, many a
    /// `br_table` indexed by site, whichever is smaller.
    fn dispatch(
        &mut self,
        func: &mut LocalFunction,
        targets: &[InstrSeqId],
        starts: &[u32],
        first: u32,
        last: u32,
    ) -> Vec<(Instr, InstrLocId)> {
        let state = global_get(self.inputs.globals.state);
        if targets.len() == 1 {
            return vec![state, i(BrIf { block: targets[0] })];
        }
        let chain_cost = 7 * (targets.len() - 1) + 2;
        let table_cost = 6 + (last - first + 1) as usize;
        let mut code = Vec::new();
        if chain_cost <= table_cost {
            for (k, start) in starts.iter().enumerate().skip(1) {
                code.extend([local_get(self.rw), i32c(*start as i32), binop(BinaryOp::I32LtU), i(BrIf { block: targets[k - 1] })]);
            }
            code.push(i(Br { block: targets[targets.len() - 1] }));
        } else {
            let table: Vec<InstrSeqId> = (first..=last)
                .map(|s| targets[starts.iter().rposition(|start| *start <= s).expect("sites start at the first piece")])
                .collect();
            code.extend([
                local_get(self.rw),
                i32c(first as i32),
                binop(BinaryOp::I32Sub),
                i(BrTable { blocks: table.into_boxed_slice(), default: targets[0] }),
            ]);
        }
        let dispatch = new_seq(func, InstrSeqType::Simple(None), code);
        let none = new_seq(func, InstrSeqType::Simple(None), vec![]);
        vec![state, i(IfElse { consequent: dispatch, alternative: none })]
    }

    /// Completes the code of call site `k`: `code` pushes the call's inputs.
    fn call_site(
        &mut self,
        func: &mut LocalFunction,
        call: (Instr, InstrLocId),
        code: &mut Vec<(Instr, InstrLocId)>,
        k: u32,
        results: &[ValType],
        fork: bool,
    ) -> Result<(), RewriteError> {
        let g = self.inputs.globals;
        // After a call the state is normal or unwinding, never rewinding (a
        // rewind ends at the fork call), so the state itself is the condition.
        let mut run = vec![i32c(k as i32), local_set(self.site)];
        run.append(code);
        run.push(call);
        run.extend([global_get(g.state), i(BrIf { block: self.unwind })]);
        if !fork {
            *code = run;
            return Ok(());
        }
        if run.len() != 5 || results != [ValType::I32] {
            return Err(RewriteError::Unsupported { offset: 0, what: "a fork import that is not () -> i32".into() });
        }
        // Rewinding into the fork call itself: the rewind is complete; the
        // host has put the result in `__wasmos_fork_result`. The buffer
        // must be empty by now.
        let trap = new_seq(func, InstrSeqType::Simple(None), vec![i(Unreachable {})]);
        let none = new_seq(func, InstrSeqType::Simple(None), vec![]);
        let resume = vec![
            global_get(g.data),
            load(g.memory, ValType::I32, 0),
            global_get(g.data),
            i32c(BUFFER_HEADER as i32),
            binop(BinaryOp::I32Add),
            binop(BinaryOp::I32Ne),
            i(IfElse { consequent: trap, alternative: none }),
            i32c(STATE_NORMAL),
            i(GlobalSet { global: g.state }),
            global_get(g.result),
        ];
        let ty = InstrSeqType::Simple(Some(ValType::I32));
        let resume = new_seq(func, ty, resume);
        let run = new_seq(func, ty, run);
        *code = vec![global_get(g.state), i(IfElse { consequent: resume, alternative: run })];
        Ok(())
    }

    fn temps(&mut self, depth: u32, role: Role, tys: &[ValType]) -> Vec<LocalId> {
        let mut count: HashMap<ValType, usize> = HashMap::new();
        tys.iter()
            .map(|&ty| {
                let n = count.entry(ty).or_default();
                *n += 1;
                *self.temps.entry((depth, role, ty, *n)).or_insert_with(|| self.locals_arena.add(ty))
            })
            .collect()
    }

    fn seq_sig(&self, func: &LocalFunction, id: InstrSeqId) -> (Vec<ValType>, Vec<ValType>) {
        match func.block(id).ty {
            InstrSeqType::Simple(None) => (vec![], vec![]),
            InstrSeqType::Simple(Some(t)) => (vec![], vec![t]),
            InstrSeqType::MultiValue(ty) => {
                let (p, r) = self.types.params_results(ty);
                (p.to_vec(), r.to_vec())
            }
        }
    }

    fn unsupported(&self, loc: InstrLocId, what: &str) -> RewriteError {
        RewriteError::Unsupported { offset: loc.data() as usize, what: format!("{what} in {}, which can reach fork", self.name) }
    }
}

fn new_seq(func: &mut LocalFunction, ty: InstrSeqType, instrs: Vec<(Instr, InstrLocId)>) -> InstrSeqId {
    let id = func.builder_mut().dangling_instr_seq(ty).id();
    func.block_mut(id).instrs = instrs;
    id
}

fn dummies(tys: &[ValType]) -> Vec<(Instr, InstrLocId)> {
    tys.iter()
        .map(|ty| match ty {
            ValType::I32 => i32c(0),
            ValType::I64 => i(Const { value: Value::I64(0) }),
            ValType::F32 => i(Const { value: Value::F32(0.0) }),
            ValType::F64 => i(Const { value: Value::F64(0.0) }),
            ValType::V128 => i(Const { value: Value::V128(0) }),
            ValType::Ref(r) => i(RefNull { ty: *r }),
        })
        .collect()
}

pub(crate) fn i(instr: impl Into<Instr>) -> (Instr, InstrLocId) {
    (instr.into(), InstrLocId::default())
}

pub(crate) fn i32c(v: i32) -> (Instr, InstrLocId) {
    i(Const { value: Value::I32(v) })
}

pub(crate) fn local_get(local: LocalId) -> (Instr, InstrLocId) {
    i(LocalGet { local })
}

pub(crate) fn local_set(local: LocalId) -> (Instr, InstrLocId) {
    i(LocalSet { local })
}

pub(crate) fn global_get(global: GlobalId) -> (Instr, InstrLocId) {
    i(GlobalGet { global })
}

pub(crate) fn binop(op: BinaryOp) -> (Instr, InstrLocId) {
    i(Binop { op })
}

pub(crate) fn load(memory: MemoryId, ty: ValType, offset: u32) -> (Instr, InstrLocId) {
    let (kind, align) = match ty {
        ValType::I64 => (LoadKind::I64 { atomic: false }, 8),
        ValType::F64 => (LoadKind::F64, 8),
        ValType::F32 => (LoadKind::F32, 4),
        _ => (LoadKind::I32 { atomic: false }, 4),
    };
    i(Load { memory, kind, arg: MemArg { align, offset: offset.into() } })
}

pub(crate) fn store(memory: MemoryId, ty: ValType, offset: u32) -> (Instr, InstrLocId) {
    let (kind, align) = match ty {
        ValType::I64 => (StoreKind::I64 { atomic: false }, 8),
        ValType::F64 => (StoreKind::F64, 8),
        ValType::F32 => (StoreKind::F32, 4),
        _ => (StoreKind::I32 { atomic: false }, 4),
    };
    i(Store { memory, kind, arg: MemArg { align, offset: offset.into() } })
}

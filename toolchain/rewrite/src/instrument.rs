//! The fork transformation of one function: spilling, guarded segments,
//! unwind checks after call sites, and the save/restore of the frame.
//!
//! See `docs/abi.md`, "Fork rewriting", for the protocol. In short, every
//! instrumented function gets two extra locals: `rw` (the call site to resume
//! at while rewinding, 0 otherwise) and `site` (the call site being unwound).
//!
//! * **Spilling.** Each instruction sequence that contains a *point* (a call
//!   that may unwind, or a block/loop/if that contains one) is cut into
//!   segments at its points. At the end of the segment before a point, the
//!   point's inputs (call arguments, block parameters, an `if` condition) and
//!   every value below them on the operand stack are stored into temporary
//!   locals; the point then reads its inputs back with `local.get`; after it,
//!   its results go to temporaries too, and the next segment starts by pushing
//!   the values below and the results back. So at every point the operand
//!   stack holds only the point's inputs, and those are in locals.
//! * **Guards.** Each segment runs only when `rw == 0`. A rewind therefore
//!   skips all the code between points and walks straight into the nested
//!   blocks down to its call site: blocks and loops are entered as usual, an
//!   `if` takes the branch its (restored) condition local says, which is the
//!   branch that was taken when the frame unwound. A call site `k` runs when
//!   `rw == 0 || rw == k` and clears `rw`; skipped sites and segments that
//!   must produce values produce zeros.
//! * **Unwind.** After each call site: if the state is "unwinding", store `k`
//!   in `site` and branch out of the whole body to the save code, which writes
//!   a record of the frame and returns dummy results.
//! * **Rewind.** On entry, if the state is "rewinding", pop this function's
//!   record, restore all locals and set `rw`.

use std::collections::HashMap;

use walrus::ir::*;
use walrus::{FunctionId, GlobalId, LocalFunction, LocalId, MemoryId, ModuleLocals, ModuleTypes, ValType};

use crate::callgraph::{CallGraph, Sig};
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
/// Bytes before the locals in a record: `u32 function; u32 call_site`.
pub const RECORD_HEADER: u32 = 8;

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
    Call { inputs: usize, results: Vec<ValType>, fork: bool },
    Control { inputs: usize, results: Vec<ValType> },
}

/// Instruments one function. `index` identifies it in the records; returns the
/// number of call sites instrumented.
pub fn instrument_function(
    inputs: &Inputs<'_>,
    types: &mut ModuleTypes,
    locals: &mut ModuleLocals,
    func: &mut LocalFunction,
    name: &str,
    index: u32,
) -> Result<u32, RewriteError> {
    let entry = func.entry_block();
    let results = func_results(types, func);
    // Not the entry's own type: walrus never emits function-entry types.
    let entry_ty = match results.as_slice() {
        [] => InstrSeqType::Simple(None),
        [t] => InstrSeqType::Simple(Some(*t)),
        r => InstrSeqType::MultiValue(types.add(&[], r)),
    };
    let body_instrs = std::mem::take(&mut func.block_mut(entry).instrs);
    let body = new_seq(func, entry_ty, body_instrs);
    let unwind = new_seq(func, InstrSeqType::Simple(None), vec![]);
    let rw = locals.add(ValType::I32);
    let site = locals.add(ValType::I32);
    let mut t = Transform { inputs, types, locals_arena: locals, rw, site, unwind, next_site: 1, temps: HashMap::new(), name };
    t.seq(func, body, 0)?;
    func.block_mut(unwind).instrs = vec![i(Block { seq: body }), i(Return {})];

    // Frame layout: 8-byte values first so that every access is aligned.
    let ptr = t.locals_arena.add(ValType::I32);
    let mut saved: Vec<LocalId> = func.args.clone();
    let mut used = Vec::new();
    crate::callgraph::for_each_instr(func, unwind, &mut |instr| match instr {
        Instr::LocalGet(LocalGet { local }) | Instr::LocalSet(LocalSet { local }) | Instr::LocalTee(LocalTee { local }) => {
            used.push(*local)
        }
        _ => {}
    });
    used.sort();
    used.dedup();
    saved.extend(used.into_iter().filter(|l| ![t.rw, t.site, ptr].contains(l) && !func.args.contains(l)));
    let mut layout = Vec::new();
    let mut offset = RECORD_HEADER;
    for size in [8, 4] {
        for &l in &saved {
            let ty = t.locals_arena.get(l).ty();
            let s = match ty {
                ValType::I64 | ValType::F64 => 8,
                ValType::I32 | ValType::F32 => 4,
                _ => return Err(RewriteError::Unsupported { offset: 0, what: format!("a {ty:?} local in {name}, which can reach fork") }),
            };
            if s == size {
                layout.push((l, ty, offset));
                offset += s;
            }
        }
    }
    let size = offset.next_multiple_of(8) as i32;
    let g = inputs.globals;

    // Prologue: pop and restore the record when rewinding.
    let mut restore = vec![
        global_get(g.data),
        global_get(g.data),
        load(g.memory, ValType::I32, 0),
        i32c(size),
        binop(BinaryOp::I32Sub),
        i(LocalTee { local: ptr }),
        store(g.memory, ValType::I32, 0),
        local_get(ptr),
        global_get(g.data),
        i32c(BUFFER_HEADER as i32),
        binop(BinaryOp::I32Add),
        binop(BinaryOp::I32LtU),
    ];
    restore.push(trap_if(func));
    restore.extend([local_get(ptr), load(g.memory, ValType::I32, 0), i32c(index as i32), binop(BinaryOp::I32Ne)]);
    restore.push(trap_if(func));
    restore.extend([local_get(ptr), load(g.memory, ValType::I32, 4), local_set(t.rw)]);
    for &(l, ty, off) in &layout {
        restore.extend([local_get(ptr), load(g.memory, ty, off), local_set(l)]);
    }
    let restore = new_seq(func, InstrSeqType::Simple(None), restore);
    let empty = new_seq(func, InstrSeqType::Simple(None), vec![]);

    // Epilogue: push the record while unwinding.
    let mut save = vec![
        global_get(g.data),
        load(g.memory, ValType::I32, 0),
        local_set(ptr),
        local_get(ptr),
        i32c(size),
        binop(BinaryOp::I32Add),
        global_get(g.data),
        load(g.memory, ValType::I32, 4),
        binop(BinaryOp::I32GtU),
    ];
    save.push(trap_if(func));
    save.extend([local_get(ptr), i32c(index as i32), store(g.memory, ValType::I32, 0)]);
    save.extend([local_get(ptr), local_get(t.site), store(g.memory, ValType::I32, 4)]);
    for &(l, ty, off) in &layout {
        save.extend([local_get(ptr), local_get(l), store(g.memory, ty, off)]);
    }
    save.extend([global_get(g.data), local_get(ptr), i32c(size), binop(BinaryOp::I32Add), store(g.memory, ValType::I32, 0)]);

    let mut top =
        vec![global_get(g.state), i32c(STATE_REWINDING), binop(BinaryOp::I32Eq), i(IfElse { consequent: restore, alternative: empty })];
    top.push(i(Block { seq: unwind }));
    top.extend(save);
    top.extend(dummies(&results));
    func.block_mut(entry).instrs = top;
    Ok(t.next_site - 1)
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
    name: &'a str,
}

impl Transform<'_, '_> {
    /// Transforms sequence `id` (nested `depth` deep); returns whether it
    /// contains a point, i.e. whether a rewind may have to enter it.
    fn seq(&mut self, func: &mut LocalFunction, id: InstrSeqId, depth: u32) -> Result<bool, RewriteError> {
        let instrs = std::mem::take(&mut func.block_mut(id).instrs);
        let mut items: Vec<(Instr, InstrLocId, Option<Point>)> = Vec::with_capacity(instrs.len());
        for (instr, loc) in instrs {
            let terminal = matches!(instr, Instr::Br(_) | Instr::BrTable(_) | Instr::Return(_) | Instr::Unreachable(_));
            let point = match &instr {
                Instr::Call(Call { func: f }) => {
                    let (params, results) = &self.inputs.func_sigs[f];
                    let fork = self.inputs.graph.fork_imports.contains(f);
                    self.inputs.graph.call_may_unwind(*f).then(|| Point::Call { inputs: params.len(), results: results.clone(), fork })
                }
                Instr::CallIndirect(CallIndirect { ty, .. }) => {
                    let (params, results) = self.types.params_results(*ty);
                    let sig = (params.to_vec(), results.to_vec());
                    self.inputs.graph.indirect_may_unwind(&sig).then(|| Point::Call {
                        inputs: params.len() + 1,
                        results: sig.1,
                        fork: false,
                    })
                }
                Instr::Block(Block { seq }) | Instr::Loop(Loop { seq }) => {
                    let (p, r) = self.seq_sig(func, *seq);
                    self.seq(func, *seq, depth + 1)?.then_some(Point::Control { inputs: p.len(), results: r })
                }
                Instr::IfElse(IfElse { consequent, alternative }) => {
                    let (p, r) = self.seq_sig(func, *consequent);
                    let a = self.seq(func, *consequent, depth + 1)?;
                    let b = self.seq(func, *alternative, depth + 1)?;
                    (a || b).then_some(Point::Control { inputs: p.len() + 1, results: r })
                }
                Instr::ReturnCall(_) | Instr::ReturnCallIndirect(_) | Instr::CallRef(_) | Instr::ReturnCallRef(_) => {
                    return Err(self.unsupported(loc, "a tail or reference call"))
                }
                Instr::TryTable(_) | Instr::Throw(_) | Instr::ThrowRef(_) => {
                    return Err(self.unsupported(loc, "an exception-handling instruction"))
                }
                _ => None,
            };
            items.push((instr, loc, point));
            if terminal {
                break; // the rest of the sequence is dead code
            }
        }
        if items.iter().all(|(_, _, p)| p.is_none()) {
            func.block_mut(id).instrs = items.into_iter().map(|(instr, loc, _)| (instr, loc)).collect();
            return Ok(false);
        }

        let (params, results) = self.seq_sig(func, id);
        let mut out = Vec::new();
        let entry = self.temps(depth, Role::Result, &params);
        out.extend(entry.iter().rev().map(|l| local_set(*l)));
        let mut carried = entry;
        let mut seg: Vec<(Instr, InstrLocId)> = Vec::new();
        for (instr, loc, point) in items {
            let Some(point) = point else {
                seg.push((instr, loc));
                continue;
            };
            let stack =
                self.inputs.stack.at(loc.data()).ok_or_else(|| self.unsupported(loc, "a call with no recorded stack types"))?.to_vec();
            let n = match &point {
                Point::Call { inputs, .. } | Point::Control { inputs, .. } => *inputs,
            };
            if stack.len() < n {
                return Err(self.unsupported(loc, "an operand stack shallower than the call's inputs"));
            }
            let below = self.temps(depth, Role::Below, &stack[..stack.len() - n]);
            let ins = self.temps(depth, Role::Input, &stack[stack.len() - n..]);
            let mut body: Vec<(Instr, InstrLocId)> = carried.iter().map(|l| local_get(*l)).collect();
            body.append(&mut seg);
            body.extend(ins.iter().rev().map(|l| local_set(*l)));
            body.extend(below.iter().rev().map(|l| local_set(*l)));
            self.guard(func, &mut out, body, &[]);
            let results = match point {
                Point::Call { results, fork, .. } => {
                    let site = self.call_site(func, (instr, loc), &ins, &results, fork)?;
                    out.extend(site);
                    results
                }
                Point::Control { results, .. } => {
                    out.extend(ins.iter().map(|l| local_get(*l)));
                    out.push((instr, loc));
                    results
                }
            };
            let res = self.temps(depth, Role::Result, &results);
            out.extend(res.iter().rev().map(|l| local_set(*l)));
            carried = below;
            carried.extend(res);
        }
        let mut body: Vec<(Instr, InstrLocId)> = carried.iter().map(|l| local_get(*l)).collect();
        body.append(&mut seg);
        self.guard(func, &mut out, body, &results);
        func.block_mut(id).instrs = out;
        Ok(true)
    }

    /// `if rw == 0 { body } else { zeros }`, or nothing for an empty body.
    fn guard(&mut self, func: &mut LocalFunction, out: &mut Vec<(Instr, InstrLocId)>, body: Vec<(Instr, InstrLocId)>, results: &[ValType]) {
        if body.is_empty() && results.is_empty() {
            return;
        }
        let ty = self.block_type(results);
        let then = new_seq(func, ty, body);
        let other = new_seq(func, ty, dummies(results));
        out.extend([local_get(self.rw), unop(UnaryOp::I32Eqz), i(IfElse { consequent: then, alternative: other })]);
    }

    /// One call site that may unwind, with its inputs in `ins`.
    fn call_site(
        &mut self,
        func: &mut LocalFunction,
        call: (Instr, InstrLocId),
        ins: &[LocalId],
        results: &[ValType],
        fork: bool,
    ) -> Result<Vec<(Instr, InstrLocId)>, RewriteError> {
        let k = self.next_site as i32;
        self.next_site += 1;
        let g = self.inputs.globals;
        let ty = self.block_type(results);
        let check = new_seq(func, InstrSeqType::Simple(None), vec![i32c(k), local_set(self.site), i(Br { block: self.unwind })]);
        let empty = new_seq(func, InstrSeqType::Simple(None), vec![]);
        let mut run: Vec<(Instr, InstrLocId)> = ins.iter().map(|l| local_get(*l)).collect();
        run.push(call);
        run.extend([
            global_get(g.state),
            i32c(STATE_UNWINDING),
            binop(BinaryOp::I32Eq),
            i(IfElse { consequent: check, alternative: empty }),
        ]);
        let then = if fork {
            if !ins.is_empty() || results != [ValType::I32] {
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
                i32c(0),
                local_set(self.rw),
                i32c(STATE_NORMAL),
                i(GlobalSet { global: g.state }),
                global_get(g.result),
            ];
            let resume = new_seq(func, ty, resume);
            let run = new_seq(func, ty, run);
            vec![local_get(self.rw), i(IfElse { consequent: resume, alternative: run })]
        } else {
            let mut v = vec![i32c(0), local_set(self.rw)];
            v.extend(run);
            v
        };
        let then = new_seq(func, ty, then);
        let other = new_seq(func, ty, dummies(results));
        let cond =
            vec![local_get(self.rw), unop(UnaryOp::I32Eqz), local_get(self.rw), i32c(k), binop(BinaryOp::I32Eq), binop(BinaryOp::I32Or)];
        let mut v = cond;
        v.push(i(IfElse { consequent: then, alternative: other }));
        Ok(v)
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

    fn block_type(&mut self, results: &[ValType]) -> InstrSeqType {
        match results {
            [] => InstrSeqType::Simple(None),
            [t] => InstrSeqType::Simple(Some(*t)),
            r => InstrSeqType::MultiValue(self.types.add(&[], r)),
        }
    }

    fn unsupported(&self, loc: InstrLocId, what: &str) -> RewriteError {
        RewriteError::Unsupported { offset: loc.data() as usize, what: format!("{what} in {}, which can reach fork", self.name) }
    }
}

fn func_results(types: &ModuleTypes, func: &LocalFunction) -> Vec<ValType> {
    types.results(func.ty()).to_vec()
}

fn new_seq(func: &mut LocalFunction, ty: InstrSeqType, instrs: Vec<(Instr, InstrLocId)>) -> InstrSeqId {
    let id = func.builder_mut().dangling_instr_seq(ty).id();
    func.block_mut(id).instrs = instrs;
    id
}

/// `if unreachable end`, consuming an i32 condition.
fn trap_if(func: &mut LocalFunction) -> (Instr, InstrLocId) {
    let trap = new_seq(func, InstrSeqType::Simple(None), vec![i(Unreachable {})]);
    let none = new_seq(func, InstrSeqType::Simple(None), vec![]);
    i(IfElse { consequent: trap, alternative: none })
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

fn i(instr: impl Into<Instr>) -> (Instr, InstrLocId) {
    (instr.into(), InstrLocId::default())
}
fn i32c(v: i32) -> (Instr, InstrLocId) {
    i(Const { value: Value::I32(v) })
}
fn local_get(local: LocalId) -> (Instr, InstrLocId) {
    i(LocalGet { local })
}
fn local_set(local: LocalId) -> (Instr, InstrLocId) {
    i(LocalSet { local })
}
fn global_get(global: GlobalId) -> (Instr, InstrLocId) {
    i(GlobalGet { global })
}
fn binop(op: BinaryOp) -> (Instr, InstrLocId) {
    i(Binop { op })
}
fn unop(op: UnaryOp) -> (Instr, InstrLocId) {
    i(Unop { op })
}
fn load(memory: MemoryId, ty: ValType, offset: u32) -> (Instr, InstrLocId) {
    let (kind, align) = match ty {
        ValType::I64 => (LoadKind::I64 { atomic: false }, 8),
        ValType::F64 => (LoadKind::F64, 8),
        ValType::F32 => (LoadKind::F32, 4),
        _ => (LoadKind::I32 { atomic: false }, 4),
    };
    i(Load { memory, kind, arg: MemArg { align, offset: offset.into() } })
}
fn store(memory: MemoryId, ty: ValType, offset: u32) -> (Instr, InstrLocId) {
    let (kind, align) = match ty {
        ValType::I64 => (StoreKind::I64 { atomic: false }, 8),
        ValType::F64 => (StoreKind::F64, 8),
        ValType::F32 => (StoreKind::F32, 4),
        _ => (StoreKind::I32 { atomic: false }, 4),
    };
    i(Store { memory, kind, arg: MemArg { align, offset: offset.into() } })
}

//! Helper functions that move values between locals and the fork buffer.
//!
//! The buffer is a stack of values in linear memory (`docs/abi.md`, "Fork
//! rewriting"). Instrumented functions save their frame by pushing their live
//! locals with `push_<type>x<n>` helpers and restore it with the matching
//! `pop_<type>x<n>`, which return the values in push order. Keeping the
//! memory accesses and the bounds checks in shared helpers makes each saved
//! local cost two bytes (`local.get`/`local.set`) in the instrumented
//! function instead of a load or store with its address.

use std::collections::HashMap;

use walrus::ir::{BinaryOp, IfElse, InstrSeqType, Unreachable};
use walrus::{FunctionBuilder, FunctionId, ModuleFunctions, ModuleLocals, ModuleTypes, ValType};

use crate::instrument::{binop, global_get, i, i32c, load, local_get, store, Globals, BUFFER_HEADER};

/// Chunk sizes, largest first: a run of locals of one type is pushed in
/// chunks of these many values.
pub const CHUNKS: [usize; 4] = [8, 4, 2, 1];

/// The helpers created so far, by (push?, type, count).
pub struct Frames {
    globals: Globals,
    cache: HashMap<(bool, ValType, usize), FunctionId>,
}

/// The parts of the module the helpers are added to.
pub struct ModuleParts<'a> {
    /// Functions.
    pub funcs: &'a mut ModuleFunctions,
    /// Types.
    pub types: &'a mut ModuleTypes,
    /// Locals.
    pub locals: &'a mut ModuleLocals,
}

impl Frames {
    /// No helpers yet.
    pub fn new(globals: Globals) -> Frames {
        Frames { globals, cache: HashMap::new() }
    }

    /// `push_<ty>x<n>(v1..vn)`: stores the values at the buffer's cursor and
    /// advances it; traps when the buffer is full.
    pub fn push(&mut self, m: &mut ModuleParts<'_>, ty: ValType, n: usize) -> FunctionId {
        if let Some(f) = self.cache.get(&(true, ty, n)) {
            return *f;
        }
        let g = self.globals;
        let size = size_of(ty) * n as u32;
        let params: Vec<ValType> = vec![ty; n];
        let args: Vec<_> = params.iter().map(|t| m.locals.add(*t)).collect();
        let p = m.locals.add(ValType::I32);
        let mut b = FunctionBuilder::new(m.types, &params, &[]);
        b.name(format!("__wasmos_fork_push_{}x{n}", type_name(ty)));
        let trap = b.dangling_instr_seq(InstrSeqType::Simple(None)).id();
        b.instr_seq(trap).instrs_mut().push(i(Unreachable {}));
        let none = b.dangling_instr_seq(InstrSeqType::Simple(None)).id();
        let mut body = vec![
            global_get(g.data),
            load(g.memory, ValType::I32, 0),
            i(walrus::ir::LocalTee { local: p }),
            i32c(size as i32),
            binop(BinaryOp::I32Add),
            global_get(g.data),
            load(g.memory, ValType::I32, 4),
            binop(BinaryOp::I32GtU),
            i(IfElse { consequent: trap, alternative: none }),
        ];
        for (k, a) in args.iter().enumerate() {
            body.extend([local_get(p), local_get(*a), store(g.memory, ty, k as u32 * size_of(ty))]);
        }
        body.extend([global_get(g.data), local_get(p), i32c(size as i32), binop(BinaryOp::I32Add), store(g.memory, ValType::I32, 0)]);
        *b.func_body().instrs_mut() = body;
        let f = b.finish(args, m.funcs);
        self.cache.insert((true, ty, n), f);
        f
    }

    /// `pop_<ty>x<n>() -> (v1..vn)`: moves the cursor back over `n` values
    /// and returns them in the order they were pushed; traps on underflow.
    pub fn pop(&mut self, m: &mut ModuleParts<'_>, ty: ValType, n: usize) -> FunctionId {
        if let Some(f) = self.cache.get(&(false, ty, n)) {
            return *f;
        }
        let g = self.globals;
        let size = size_of(ty) * n as u32;
        let results: Vec<ValType> = vec![ty; n];
        let p = m.locals.add(ValType::I32);
        let mut b = FunctionBuilder::new(m.types, &[], &results);
        b.name(format!("__wasmos_fork_pop_{}x{n}", type_name(ty)));
        let trap = b.dangling_instr_seq(InstrSeqType::Simple(None)).id();
        b.instr_seq(trap).instrs_mut().push(i(Unreachable {}));
        let none = b.dangling_instr_seq(InstrSeqType::Simple(None)).id();
        let mut body = vec![
            global_get(g.data),
            load(g.memory, ValType::I32, 0),
            i32c(size as i32),
            binop(BinaryOp::I32Sub),
            i(walrus::ir::LocalTee { local: p }),
            global_get(g.data),
            i32c(BUFFER_HEADER as i32),
            binop(BinaryOp::I32Add),
            binop(BinaryOp::I32LtU),
            i(IfElse { consequent: trap, alternative: none }),
            global_get(g.data),
            local_get(p),
            store(g.memory, ValType::I32, 0),
        ];
        for k in 0..n as u32 {
            body.extend([local_get(p), load(g.memory, ty, k * size_of(ty))]);
        }
        *b.func_body().instrs_mut() = body;
        let f = b.finish(vec![], m.funcs);
        self.cache.insert((false, ty, n), f);
        f
    }

    /// `pop_frame(function) -> call_site`: pops a record's header and traps
    /// unless it belongs to `function`.
    pub fn pop_frame(&mut self, m: &mut ModuleParts<'_>) -> FunctionId {
        let key = (false, ValType::I32, 0);
        if let Some(f) = self.cache.get(&key) {
            return *f;
        }
        let pop2 = self.pop(m, ValType::I32, 2);
        let expected = m.locals.add(ValType::I32);
        let mut b = FunctionBuilder::new(m.types, &[ValType::I32], &[ValType::I32]);
        b.name("__wasmos_fork_pop_frame".into());
        let trap = b.dangling_instr_seq(InstrSeqType::Simple(None)).id();
        b.instr_seq(trap).instrs_mut().push(i(Unreachable {}));
        let none = b.dangling_instr_seq(InstrSeqType::Simple(None)).id();
        *b.func_body().instrs_mut() = vec![
            i(walrus::ir::Call { func: pop2 }),
            local_get(expected),
            binop(BinaryOp::I32Ne),
            i(IfElse { consequent: trap, alternative: none }),
        ];
        let f = b.finish(vec![expected], m.funcs);
        self.cache.insert(key, f);
        f
    }
}

/// Bytes a value of `ty` takes in the buffer.
pub fn size_of(ty: ValType) -> u32 {
    match ty {
        ValType::I64 | ValType::F64 => 8,
        _ => 4,
    }
}

fn type_name(ty: ValType) -> &'static str {
    match ty {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        _ => "other",
    }
}

/// Splits `count` values into chunk sizes from [`CHUNKS`].
pub fn chunks(mut count: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for c in CHUNKS {
        while count >= c {
            out.push(c);
            count -= c;
        }
    }
    out
}

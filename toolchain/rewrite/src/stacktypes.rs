//! Operand-stack types at the instructions the instrumentation cares about.
//!
//! walrus's IR does not carry types, and the spilling step must know the type
//! of every value that sits on the operand stack across a call that may
//! unwind. We get them from wasmparser's own validator: run it over each
//! function body and, before every call and every block/loop/if, record the
//! types of the values of the *current frame* (bottom first). Entries are
//! keyed by the operator's offset in the file, which is what walrus stores in
//! each instruction's `InstrLocId`.

use std::collections::HashMap;

use wasmparser::{FuncValidatorAllocations, Operator, Parser, ValidPayload, Validator, WasmFeatures};

use crate::RewriteError;

/// Frame-relative operand-stack types, by operator offset. A missing entry
/// means the operator is unreachable (dead code after a branch).
#[derive(Debug, Default)]
pub struct StackTypes(HashMap<u32, Vec<walrus::ValType>>);

impl StackTypes {
    /// Validates `wasm` and records the stack types before calls and blocks.
    pub fn compute(wasm: &[u8]) -> Result<StackTypes, RewriteError> {
        let mut out = HashMap::new();
        let mut validator = Validator::new_with_features(WasmFeatures::default());
        let mut allocs = FuncValidatorAllocations::default();
        for payload in Parser::new(0).parse_all(wasm) {
            let payload = payload.map_err(invalid)?;
            let ValidPayload::Func(to_validate, body) = validator.payload(&payload).map_err(invalid)? else { continue };
            let mut v = to_validate.into_validator(std::mem::take(&mut allocs));
            let mut locals = body.get_locals_reader().map_err(invalid)?;
            for _ in 0..locals.get_count() {
                let offset = locals.original_position();
                let (count, ty) = locals.read().map_err(invalid)?;
                v.define_locals(offset, count, ty).map_err(invalid)?;
            }
            let mut ops = body.get_operators_reader().map_err(invalid)?;
            while !ops.eof() {
                let pos = ops.original_position();
                let op = ops.read().map_err(invalid)?;
                if matches!(
                    op,
                    Operator::Call { .. }
                        | Operator::CallIndirect { .. }
                        | Operator::Block { .. }
                        | Operator::Loop { .. }
                        | Operator::If { .. }
                ) {
                    if let Some(types) = frame_types(&v, pos)? {
                        out.insert(pos as u32, types);
                    }
                }
                v.op(pos, &op).map_err(invalid)?;
            }
            ops.finish().map_err(invalid)?;
            allocs = v.into_allocations();
        }
        Ok(StackTypes(out))
    }

    /// The stack types before the operator at `offset`, if it is reachable.
    pub fn at(&self, offset: u32) -> Option<&[walrus::ValType]> {
        self.0.get(&offset).map(Vec::as_slice)
    }
}

fn frame_types<T: wasmparser::WasmModuleResources>(
    v: &wasmparser::FuncValidator<T>,
    pos: usize,
) -> Result<Option<Vec<walrus::ValType>>, RewriteError> {
    let frame = v.get_control_frame(0).expect("a function body always has a frame");
    if frame.unreachable {
        return Ok(None);
    }
    let total = v.operand_stack_height() as usize;
    let mut types = Vec::with_capacity(total - frame.height);
    for i in frame.height..total {
        let ty = v
            .get_operand_type(total - 1 - i)
            .flatten()
            .ok_or_else(|| RewriteError::Unsupported { offset: pos, what: "a value of unknown type on the operand stack".into() })?;
        types.push(
            convert(ty).ok_or_else(|| RewriteError::Unsupported { offset: pos, what: format!("a {ty} value on the operand stack") })?,
        );
    }
    Ok(Some(types))
}

/// Converts the value types this rewriter supports.
pub fn convert(ty: wasmparser::ValType) -> Option<walrus::ValType> {
    use wasmparser::ValType as P;
    Some(match ty {
        P::I32 => walrus::ValType::I32,
        P::I64 => walrus::ValType::I64,
        P::F32 => walrus::ValType::F32,
        P::F64 => walrus::ValType::F64,
        P::V128 => walrus::ValType::V128,
        P::Ref(r) if r == wasmparser::RefType::FUNCREF => walrus::ValType::Ref(walrus::RefType::FUNCREF),
        P::Ref(r) if r == wasmparser::RefType::EXTERNREF => walrus::ValType::Ref(walrus::RefType::EXTERNREF),
        P::Ref(_) => return None,
    })
}

fn invalid(e: wasmparser::BinaryReaderError) -> RewriteError {
    RewriteError::Invalid(e.to_string())
}

//! The module-level pieces the rewriter owns: the fork globals, the exports
//! the host drives the protocol with, and the `wasmos.fork` custom section.

use walrus::ir::Value;
use walrus::{ConstExpr, ExportItem, FunctionBuilder, Module, RawCustomSection, ValType};

use crate::instrument::{Globals, STATE_NORMAL, STATE_REWINDING, STATE_UNWINDING};
use crate::RewriteError;

/// Name of the custom section that marks a rewritten binary.
pub const FORK_SECTION: &str = "wasmos.fork";
/// Version of the fork protocol (the section's first `u32`).
pub const FORK_PROTOCOL_VERSION: u32 = 1;

/// Whether `wasm` already carries the `wasmos.fork` section.
pub fn already_rewritten(wasm: &[u8]) -> Result<bool, RewriteError> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CustomSection(c) = payload.map_err(|e| RewriteError::Invalid(e.to_string()))? {
            if c.name() == FORK_SECTION {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Adds `__wasmos_fork_state`, `__wasmos_fork_data` and `__wasmos_fork_result`.
pub fn add_globals(module: &mut Module) -> Result<Globals, RewriteError> {
    let memory =
        module.memories.iter().next().ok_or_else(|| RewriteError::Unsupported { offset: 0, what: "a module without memory".into() })?.id();
    let mut add = |name: &str| {
        let g = module.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(0)));
        module.globals.get_mut(g).name = Some(name.into());
        g
    };
    Ok(Globals { state: add("__wasmos_fork_state"), data: add("__wasmos_fork_data"), result: add("__wasmos_fork_result"), memory })
}

/// Adds the host-facing exports and the `wasmos.fork` section.
///
/// Every mutable global that is not exported yet is exported as
/// `__wasmos_global.<n>`, so that the host can copy all of a process's
/// globals into the child instance.
pub fn add_exports(module: &mut Module, g: Globals, instrumented: u32) {
    let exported: Vec<_> = module
        .exports
        .iter()
        .filter_map(|e| match e.item {
            ExportItem::Global(id) => Some(id),
            _ => None,
        })
        .collect();
    let hidden: Vec<_> = module.globals.iter().filter(|gl| gl.mutable && !exported.contains(&gl.id())).map(|gl| gl.id()).collect();
    for (n, id) in hidden.into_iter().enumerate() {
        let name = if id == g.state { "__wasmos_fork_state".to_string() } else { format!("__wasmos_global.{n}") };
        module.exports.add(&name, id);
    }

    // __wasmos_fork_start_unwind(buf)
    let buf = module.locals.add(ValType::I32);
    let mut b = FunctionBuilder::new(&mut module.types, &[ValType::I32], &[]);
    b.name("__wasmos_fork_start_unwind".into());
    b.func_body().local_get(buf).global_set(g.data).i32_const(STATE_UNWINDING).global_set(g.state);
    let f = b.finish(vec![buf], &mut module.funcs);
    module.exports.add("__wasmos_fork_start_unwind", f);

    // __wasmos_fork_start_rewind(buf, fork_result)
    let buf = module.locals.add(ValType::I32);
    let result = module.locals.add(ValType::I32);
    let mut b = FunctionBuilder::new(&mut module.types, &[ValType::I32, ValType::I32], &[]);
    b.name("__wasmos_fork_start_rewind".into());
    b.func_body().local_get(buf).global_set(g.data).local_get(result).global_set(g.result).i32_const(STATE_REWINDING).global_set(g.state);
    let f = b.finish(vec![buf, result], &mut module.funcs);
    module.exports.add("__wasmos_fork_start_rewind", f);

    // __wasmos_fork_stop(): back to normal (after an unwind, or to abandon a rewind).
    let mut b = FunctionBuilder::new(&mut module.types, &[], &[]);
    b.name("__wasmos_fork_stop".into());
    b.func_body().i32_const(STATE_NORMAL).global_set(g.state);
    let f = b.finish(vec![], &mut module.funcs);
    module.exports.add("__wasmos_fork_stop", f);

    let mut data = FORK_PROTOCOL_VERSION.to_le_bytes().to_vec();
    data.extend(instrumented.to_le_bytes());
    module.customs.add(RawCustomSection { name: FORK_SECTION.into(), data });
}

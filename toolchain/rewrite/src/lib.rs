//! `wasmos-rewrite`: the post-link rewriter that makes `fork`/`vfork` possible.
//!
//! Engines cannot copy a wasm call stack, so a forking process *unwinds* its
//! stack into a buffer in linear memory, the host copies memory and globals
//! into a new instance, and both instances *rewind* from the buffer. This
//! crate instruments, ahead of time, exactly the functions that can reach the
//! `wasmos.fork`/`wasmos.vfork` imports so that they can do that
//! (`docs/abi.md`, "Fork rewriting", is the contract with the host).
//!
//! The passes: [`callgraph`] finds the functions to instrument,
//! [`stacktypes`] gets operand-stack types from the validator, [`instrument`]
//! transforms one function, [`sections`] adds the globals, exports and the
//! custom section we own, [`stats`] measures the cost. A binary that cannot
//! reach fork is returned unchanged, byte for byte.

pub mod callgraph;
pub mod frames;
pub mod instrument;
pub mod liveness;
pub mod sections;
pub mod stacktypes;
pub mod stats;

use std::collections::HashMap;

use walrus::{FunctionKind, ModuleConfig};

pub use stats::Stats;

/// Why a module could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// The input is not a valid module.
    #[error("invalid wasm module: {0}")]
    Invalid(String),
    /// The rewriter produced an invalid module: a bug in the rewriter.
    #[error("internal error: the rewritten module does not validate: {0}")]
    Internal(String),
    /// The module uses something the rewriter cannot instrument.
    #[error("cannot instrument for fork: {what} (at byte offset {offset:#x})")]
    Unsupported {
        /// File offset of the offending instruction (0 when unknown).
        offset: usize,
        /// What was found.
        what: String,
    },
}

/// The rewritten module and what it cost.
#[derive(Debug)]
pub struct Output {
    /// The new module bytes.
    pub wasm: Vec<u8>,
    /// Measurements.
    pub stats: Stats,
    /// Names of the instrumented functions, in module order.
    pub instrumented: Vec<String>,
}

/// Whether `wasm` imports `wasmos.fork` or `wasmos.vfork`. Reads only the
/// import section, so it is cheap enough to run on every link.
pub fn imports_fork(wasm: &[u8]) -> Result<bool, RewriteError> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| RewriteError::Invalid(e.to_string()))? {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| RewriteError::Invalid(e.to_string()))?;
                    if import.module == "wasmos" && matches!(import.name, "fork" | "vfork") {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            // The import section precedes everything but types.
            wasmparser::Payload::Version { .. } | wasmparser::Payload::TypeSection(_) | wasmparser::Payload::CustomSection(_) => {}
            _ => return Ok(false),
        }
    }
    Ok(false)
}

/// Rewrites `wasm` for fork. Modules that cannot reach fork, and modules
/// already rewritten, come back unchanged.
pub fn rewrite(wasm: &[u8]) -> Result<Output, RewriteError> {
    rewrite_with(wasm, &Options::default())
}

/// Knobs of [`rewrite_with`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    /// Treat every function and every call as able to reach fork, whether
    /// or not the module imports it. For testing the transformation on whole
    /// programs: the result must behave exactly like the input.
    pub instrument_all: bool,
}

/// [`rewrite`] with options.
pub fn rewrite_with(wasm: &[u8], options: &Options) -> Result<Output, RewriteError> {
    let before = stats::code_size(wasm)?;
    if !(options.instrument_all || imports_fork(wasm)?) || sections::already_rewritten(wasm)? {
        return Ok(Output { wasm: wasm.to_vec(), stats: Stats::unchanged(wasm)?, instrumented: vec![] });
    }
    let stack = stacktypes::StackTypes::compute(wasm)?;
    // DWARF is carried over with its code addresses remapped.
    let mut module = ModuleConfig::new()
        .generate_producers_section(false)
        .generate_dwarf(true)
        .parse(wasm)
        .map_err(|e| RewriteError::Invalid(format!("{e:#}")))?;
    let total = module.funcs.iter_local().count();
    let mut graph = callgraph::CallGraph::analyze(&module);
    if options.instrument_all {
        graph.reach_everything(&module);
    }
    let targets = graph.instrumented(&module);
    let globals = sections::add_globals(&mut module)?;
    let func_sigs: HashMap<_, _> = module.funcs.iter().map(|f| (f.id(), callgraph::sig_of(&module, f.ty()))).collect();
    let inputs = instrument::Inputs { graph: &graph, func_sigs: &func_sigs, stack: &stack, globals };
    let mut sites = 0;
    let mut names = Vec::new();
    let mut frames = frames::Frames::new(globals);
    for (index, &fid) in targets.iter().enumerate() {
        let walrus::Module { funcs, types, locals, .. } = &mut module;
        let f = funcs.get_mut(fid);
        let name = f.name.clone().unwrap_or_else(|| format!("function #{}", fid.index()));
        // Take the function out so that helpers can be added next to it.
        let ty = f.ty();
        let FunctionKind::Local(mut local) = std::mem::replace(&mut f.kind, FunctionKind::Uninitialized(ty)) else { continue };
        let mut parts = frames::ModuleParts { funcs, types, locals };
        let n = instrument::instrument_function(&inputs, &mut frames, &mut parts, &mut local, &name, index as u32 + 1);
        funcs.get_mut(fid).kind = FunctionKind::Local(local);
        sites += n?;
        names.push(name);
    }
    sections::add_exports(&mut module, globals, targets.len() as u32);
    let out = module.emit_wasm();
    // A bug here would otherwise only show when the program is loaded.
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::default())
        .validate_all(&out)
        .map_err(|e| RewriteError::Internal(e.to_string()))?;
    let after = stats::code_size(&out)?;
    Ok(Output {
        wasm: out,
        stats: Stats {
            functions_total: total,
            functions_instrumented: targets.len(),
            call_sites: sites as usize,
            code_before: before,
            code_after: after,
        },
        instrumented: names,
    })
}

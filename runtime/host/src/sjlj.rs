//! setjmp/longjmp, Emscripten style.
//!
//! C compiled with `-mllvm -enable-emscripten-sjlj` calls any function that
//! may longjmp through an import `env.invoke_<sig>(index, args...)`, where
//! `index` is the callee's slot in the exported `__indirect_function_table`.
//! The C `longjmp` records the jump in guest memory (`__THREW__`,
//! `__threwValue`) and calls `wasmos.longjmp_unwind`, which fails with
//! [`LongjmpUnwind`]; wasmtime unwinds the guest frames up to the nearest
//! `invoke_*`, which restores `__stack_pointer` (the C shadow stack) to its
//! value at entry and returns zeros. The instrumented caller then reads
//! `__THREW__` and either resumes after its `setjmp` or unwinds further.
//!
//! Any other error, including the process exiting, passes through.

use wasmos_kernel::abi::{IMPORT_MODULE, LONGJMP_IMPORT};
use wasmtime::{Caller, FuncType, Global, Linker, Module, Ref, Table, Trap, Val, ValType};

use crate::process::ProcState;

/// The error `wasmos.longjmp_unwind` raises to unwind guest frames.
#[derive(Debug, thiserror::Error)]
#[error("longjmp with no setjmp to return to")]
pub struct LongjmpUnwind;

/// The exported table and stack pointer `invoke_*` needs.
#[derive(Clone, Copy)]
pub struct SjljExports {
    pub table: Table,
    pub stack_pointer: Global,
}

/// Export names the `invoke_*` imports depend on.
pub const TABLE_EXPORT: &str = "__indirect_function_table";
pub const STACK_POINTER_EXPORT: &str = "__stack_pointer";

/// Whether `module.name` is an `invoke_*` trampoline import.
pub fn is_invoke(module: &str, name: &str) -> bool {
    module == "env" && name.starts_with("invoke_")
}

/// An `invoke_*` import must take the table index first.
pub fn invoke_type_ok(ty: &FuncType) -> bool {
    matches!(ty.param(0), Some(ValType::I32))
}

/// Whether the module uses setjmp/longjmp (imports any `invoke_*`).
pub fn uses_sjlj(module: &Module) -> bool {
    module.imports().any(|i| is_invoke(i.module(), i.name()))
}

/// Defines `wasmos.longjmp_unwind` and every `env.invoke_*` the module
/// imports, each with the import's own type.
pub fn define(linker: &mut Linker<ProcState>, module: &Module) -> wasmtime::Result<()> {
    linker.func_wrap(IMPORT_MODULE, LONGJMP_IMPORT, || -> wasmtime::Result<()> { Err(LongjmpUnwind.into()) })?;
    for imp in module.imports() {
        if !is_invoke(imp.module(), imp.name()) {
            continue;
        }
        let Some(ty) = imp.ty().func().cloned() else {
            continue;
        };
        if !invoke_type_ok(&ty) {
            continue; // load::check_imports reports it
        }
        let callee = FuncType::new(module.engine(), ty.params().skip(1), ty.results());
        linker.func_new(imp.module(), imp.name(), ty, move |caller, params, results| invoke(caller, &callee, params, results))?;
    }
    Ok(())
}

fn invoke(mut caller: Caller<'_, ProcState>, callee_ty: &FuncType, params: &[Val], results: &mut [Val]) -> wasmtime::Result<()> {
    let Some(ex) = caller.data().sjlj else {
        wasmtime::bail!("invoke_* called, but the module does not export {TABLE_EXPORT} and {STACK_POINTER_EXPORT}");
    };
    let index = params.first().and_then(Val::i32).unwrap_or(0) as u32;
    let func = match ex.table.get(&mut caller, u64::from(index)) {
        Some(Ref::Func(Some(f))) => f,
        Some(_) => return Err(Trap::IndirectCallToNull.into()),
        None => return Err(Trap::TableOutOfBounds.into()),
    };
    if !func.matches_ty(&caller, callee_ty) {
        return Err(Trap::BadSignature.into());
    }
    let sp = ex.stack_pointer.get(&mut caller);
    match func.call(&mut caller, &params[1..], results) {
        Err(e) if e.is::<LongjmpUnwind>() => {
            ex.stack_pointer.set(&mut caller, sp)?;
            for (r, t) in results.iter_mut().zip(callee_ty.results()) {
                *r = Val::default_for_ty(&t).unwrap_or(Val::I32(0));
            }
            Ok(())
        }
        other => other,
    }
}

//! How a guest that failed is reported: the message on stderr and the
//! signal its exit status carries.
//!
//! Traps map to the signal the same fault raises in a native process:
//! memory, table and null-call faults and stack overflow are `SIGSEGV`
//! (exit status 139), arithmetic faults `SIGFPE` (136), a misaligned atomic
//! `SIGBUS` (135), `unreachable` (what `abort` and `__builtin_trap` compile
//! to) and everything else `SIGILL` (132). A runtime failure that is not a
//! trap ends the process with `SIGKILL` (137).

use wasmos_kernel::ExitStatus;
use wasmtime::{Trap, WasmBacktrace};

use crate::sjlj::LongjmpUnwind;

pub const SIGILL: u32 = 4;
pub const SIGBUS: u32 = 7;
pub const SIGFPE: u32 = 8;
pub const SIGKILL: u32 = 9;
pub const SIGSEGV: u32 = 11;

/// The signal a trap raises.
pub fn signal_for(trap: Trap) -> u32 {
    match trap {
        Trap::MemoryOutOfBounds
        | Trap::TableOutOfBounds
        | Trap::IndirectCallToNull
        | Trap::BadSignature
        | Trap::NullReference
        | Trap::StackOverflow
        | Trap::ArrayOutOfBounds => SIGSEGV,
        Trap::IntegerDivisionByZero | Trap::IntegerOverflow | Trap::BadConversionToInteger => SIGFPE,
        Trap::HeapMisaligned => SIGBUS,
        _ => SIGILL,
    }
}

/// A short description of a trap.
pub fn describe(trap: Trap) -> String {
    match trap {
        Trap::UnreachableCodeReached => "unreachable executed".into(),
        Trap::MemoryOutOfBounds => "out-of-bounds memory access".into(),
        Trap::TableOutOfBounds => "out-of-bounds table access".into(),
        Trap::IndirectCallToNull => "indirect call to null".into(),
        Trap::BadSignature => "indirect call type mismatch".into(),
        Trap::StackOverflow => "stack overflow".into(),
        Trap::IntegerDivisionByZero => "integer divide by zero".into(),
        Trap::IntegerOverflow => "integer overflow".into(),
        Trap::BadConversionToInteger => "invalid conversion to integer".into(),
        Trap::HeapMisaligned => "misaligned atomic access".into(),
        Trap::NullReference => "null reference".into(),
        other => other.to_string().trim_start_matches("wasm trap: ").to_string(),
    }
}

/// The innermost guest function with a name (from the name section).
pub fn innermost_function(err: &wasmtime::Error) -> Option<String> {
    let bt = err.downcast_ref::<WasmBacktrace>()?;
    bt.frames().iter().find_map(|f| f.func_name().map(str::to_string))
}

/// The stderr line (without `wasmos: `) and exit status for a guest that
/// stopped with `err`.
pub fn report(prog: &str, err: &wasmtime::Error) -> (String, ExitStatus) {
    let func = innermost_function(err).map(|f| format!(" in function {f}")).unwrap_or_default();
    if let Some(trap) = err.downcast_ref::<Trap>() {
        return (format!("{prog}: trap: {}{func}", describe(*trap)), ExitStatus::Signal(signal_for(*trap)));
    }
    if err.is::<LongjmpUnwind>() {
        return (format!("{prog}: longjmp with no setjmp to return to{func}"), ExitStatus::Signal(SIGILL));
    }
    (format!("{prog}: {}{func}", root_message(err)), ExitStatus::Signal(SIGKILL))
}

/// The error's own message, without the backtrace wasmtime adds as
/// context.
fn root_message(err: &wasmtime::Error) -> String {
    err.root_cause().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Instance, Module, Store};

    #[test]
    fn signals() {
        assert_eq!(signal_for(Trap::MemoryOutOfBounds), SIGSEGV);
        assert_eq!(signal_for(Trap::TableOutOfBounds), SIGSEGV);
        assert_eq!(signal_for(Trap::IndirectCallToNull), SIGSEGV);
        assert_eq!(signal_for(Trap::StackOverflow), SIGSEGV);
        assert_eq!(signal_for(Trap::IntegerDivisionByZero), SIGFPE);
        assert_eq!(signal_for(Trap::IntegerOverflow), SIGFPE);
        assert_eq!(signal_for(Trap::UnreachableCodeReached), SIGILL);
        assert_eq!(signal_for(Trap::Interrupt), SIGILL);
        assert_eq!(ExitStatus::Signal(signal_for(Trap::MemoryOutOfBounds)).shell_code(), 139);
        assert_eq!(ExitStatus::Signal(signal_for(Trap::IntegerDivisionByZero)).shell_code(), 136);
        assert_eq!(ExitStatus::Signal(signal_for(Trap::UnreachableCodeReached)).shell_code(), 132);
    }

    fn trap_of(wat: &str) -> (String, ExitStatus) {
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Instance::new(&mut store, &module, &[]).unwrap();
        let f = inst.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
        report("prog", &f.call(&mut store, ()).unwrap_err())
    }

    #[test]
    fn reports_kind_and_innermost_named_function() {
        let (msg, st) = trap_of(r#"(module (func $abort unreachable) (func (export "_start") call $abort))"#);
        assert_eq!(msg, "prog: trap: unreachable executed in function abort");
        assert_eq!(st, ExitStatus::Signal(SIGILL));
        let (msg, st) =
            trap_of(r#"(module (memory 1) (func $poke (i32.store (i32.const 70000) (i32.const 1))) (func (export "_start") call $poke))"#);
        assert_eq!(msg, "prog: trap: out-of-bounds memory access in function poke");
        assert_eq!(st, ExitStatus::Signal(SIGSEGV));
        let (msg, st) =
            trap_of(r#"(module (func $div (drop (i32.div_s (i32.const 1) (i32.const 0)))) (func (export "_start") call $div))"#);
        assert_eq!(msg, "prog: trap: integer divide by zero in function div");
        assert_eq!(st, ExitStatus::Signal(SIGFPE));
        let (msg, st) = trap_of(r#"(module (func $f call $f) (func (export "_start") call $f))"#);
        assert_eq!(msg, "prog: trap: stack overflow in function f");
        assert_eq!(st, ExitStatus::Signal(SIGSEGV));
    }
}

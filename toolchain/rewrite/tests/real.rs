//! The rewriter on real `wasmos-cc` output: a program that never forks is
//! left alone, and a C program that forks deep in a recursion reached through
//! a function pointer really unwinds and rewinds in two instances under a
//! small fake kernel. Skipped (with a note) when `wasmos-cc` is not built.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::kernel::{instantiate, Proc};
use wasmtime::{Engine, Instance, Module, Store};

fn wasmos_cc() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    ["debug", "release"].iter().map(|p| root.join(p).join("wasmos-cc")).find(|p| p.exists())
}

/// Compiles `tests/c/<name>.c`; `None` when the toolchain is not there.
fn compile(name: &str) -> Option<Vec<u8>> {
    compile_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c").join(format!("{name}.c")))
}

fn compile_path(src: &Path) -> Option<Vec<u8>> {
    let name = src.file_stem().unwrap().to_str().unwrap();
    let Some(cc) = wasmos_cc() else {
        eprintln!("skipping: wasmos-cc is not built (cargo build --bins -p wasmos-cc)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("{name}.wasm"));
    let status = Command::new(&cc).arg("-O2").arg(src).arg("-o").arg(&out).output().unwrap();
    assert!(status.status.success(), "wasmos-cc failed: {}", String::from_utf8_lossy(&status.stderr));
    Some(std::fs::read(out).unwrap())
}

fn has_section(wasm: &[u8], name: &str) -> bool {
    wasmparser::Parser::new(0).parse_all(wasm).any(|p| matches!(p, Ok(wasmparser::Payload::CustomSection(c)) if c.name() == name))
}

#[test]
fn a_program_that_never_forks_is_unchanged() {
    let Some(wasm) = compile("hello") else { return };
    assert!(!wasmos_rewrite::imports_fork(&wasm).unwrap());
    let out = wasmos_rewrite::rewrite(&wasm).unwrap();
    assert_eq!(out.wasm, wasm);
    assert_eq!(out.stats.functions_instrumented, 0);
    assert!(!has_section(&wasm, wasmos_rewrite::sections::FORK_SECTION));
}

fn state(store: &mut Store<Proc>, instance: &Instance) -> i32 {
    instance.get_global(&mut *store, "__wasmos_fork_state").unwrap().get(&mut *store).unwrap_i32()
}

#[test]
fn a_real_program_forks_deep_in_a_recursion() {
    let Some(wasm) = compile("forky") else { return };
    // wasmos-cc already ran the rewriter; running it again changes nothing.
    assert!(has_section(&wasm, wasmos_rewrite::sections::FORK_SECTION));
    assert!(has_section(&wasm, "wasmos.abi"));
    assert_eq!(wasmos_rewrite::rewrite(&wasm).unwrap().wasm, wasm);
    wasmparser::Validator::new().validate_all(&wasm).unwrap();

    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).unwrap();
    let (mut parent, pi) = instantiate(&engine, &module, true);
    pi.get_typed_func::<(), ()>(&mut parent, "_start").unwrap().call(&mut parent, ()).unwrap();
    assert_eq!(state(&mut parent, &pi), 1, "fork unwound the stack: {}", String::from_utf8_lossy(&parent.data().out));
    let buf_note = String::from_utf8(std::mem::take(&mut parent.data_mut().out)).unwrap();
    let buf: i32 = buf_note.trim_start_matches("[buf ").trim_end_matches(']').parse().unwrap();
    pi.get_typed_func::<(), ()>(&mut parent, "__wasmos_fork_stop").unwrap().call(&mut parent, ()).unwrap();

    let (mut child, ci) = instantiate(&engine, &module, false);
    let data = pi.get_memory(&mut parent, "memory").unwrap().data(&parent).to_vec();
    let cm = ci.get_memory(&mut child, "memory").unwrap();
    let grow = (data.len() - cm.data_size(&child)) / 65536;
    cm.grow(&mut child, grow as u64).unwrap();
    cm.data_mut(&mut child).copy_from_slice(&data);
    let names: Vec<String> = pi.exports(&mut parent).map(|e| e.name().to_string()).collect();
    for name in names {
        if let Some(g) = pi.get_global(&mut parent, &name) {
            if g.ty(&parent).mutability().is_var() {
                let v = g.get(&mut parent);
                ci.get_global(&mut child, &name).unwrap().set(&mut child, v).unwrap();
            }
        }
    }

    for (store, instance, pid, expect) in [(&mut parent, &pi, 2, "parent r=65\n"), (&mut child, &ci, 0, "child r=66\n")] {
        let rewind = instance.get_typed_func::<(i32, i32), ()>(&mut *store, "__wasmos_fork_start_rewind").unwrap();
        rewind.call(&mut *store, (buf, pid)).unwrap();
        let err = instance.get_typed_func::<(), ()>(&mut *store, "_start").unwrap().call(&mut *store, ()).unwrap_err();
        assert!(format!("{err:#}").contains("exit 0"), "{err:#}");
        assert_eq!(String::from_utf8_lossy(&store.data().out), expect);
        assert_eq!(state(store, instance), 0);
    }
}

/// Runs `_start`; returns how it ended and what it wrote.
fn run(engine: &Engine, wasm: &[u8]) -> (String, String) {
    let module = Module::new(engine, wasm).unwrap();
    let (mut store, instance) = instantiate(engine, &module, false);
    let end = match instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap().call(&mut store, ()) {
        Ok(()) => "returned".to_string(),
        Err(e) => {
            let msg = format!("{e:#}");
            msg.find("exit ").map(|at| msg[at..].split_whitespace().take(2).collect::<Vec<_>>().join(" ")).unwrap_or_else(|| "trap".into())
        }
    };
    (end, String::from_utf8_lossy(&store.data().out).into_owned())
}

#[test]
fn real_programs_behave_the_same_with_every_function_instrumented() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/c");
    let engine = Engine::default();
    let mut ran = 0;
    for name in ["stdio_printf", "sort_search", "strings_ctype", "exit_status", "env_args"] {
        let src = dir.join(format!("{name}.c"));
        if !src.exists() {
            continue;
        }
        let Some(wasm) = compile_path(&src) else { return };
        let module = Module::new(&engine, &wasm).unwrap();
        if module.imports().any(|i| (i.module(), i.name()) != ("wasmos", "syscall")) {
            continue; // needs invoke_* or longjmp, which this small kernel lacks
        }
        let all = wasmos_rewrite::rewrite_with(&wasm, &wasmos_rewrite::Options { instrument_all: true }).unwrap();
        assert_eq!(all.stats.functions_instrumented, all.stats.functions_total, "{name}");
        let before = run(&engine, &wasm);
        let after = run(&engine, &all.wasm);
        assert!(!before.1.is_empty(), "{name} printed nothing: {before:?}");
        assert_eq!(before, after, "{name}");
        ran += 1;
    }
    assert!(ran >= 3, "only {ran} programs ran");
}

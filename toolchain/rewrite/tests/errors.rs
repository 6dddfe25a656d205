//! What the rewriter refuses, and how it says so.

use std::process::Command;

fn rewrite(wat: &str) -> Result<wasmos_rewrite::Output, wasmos_rewrite::RewriteError> {
    wasmos_rewrite::rewrite(&wat::parse_str(wat).unwrap())
}

#[test]
fn a_vector_live_across_a_fork_is_refused_with_the_function_name() {
    let err = rewrite(
        r#"(module
          (import "wasmos" "fork" (func $fork (result i32)))
          (memory 1)
          (func $keeps_a_vector (export "_start") (local v128)
            (local.set 0 (v128.const i32x4 1 2 3 4))
            (drop (call $fork))
            (drop (i32x4.extract_lane 0 (local.get 0)))))"#,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("keeps_a_vector") && msg.contains("V128"), "{msg}");
}

#[test]
fn a_tail_call_in_a_forking_function_is_refused() {
    let err = rewrite(
        r#"(module
          (import "wasmos" "fork" (func $fork (result i32)))
          (memory 1)
          (func $g (result i32) (call $fork))
          (func $tail (export "_start") (result i32) (return_call $g)))"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("tail"), "{err}");
}

#[test]
fn a_fork_free_module_with_anything_in_it_is_left_alone() {
    let wasm = wat::parse_str(r#"(module (func (export "f") (result i32) (return_call 0)))"#).unwrap();
    assert_eq!(wasmos_rewrite::rewrite(&wasm).unwrap().wasm, wasm);
}

#[test]
fn the_cli_names_the_file() {
    let bin = env!("CARGO_BIN_EXE_wasmos-rewrite");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.wasm");
    std::fs::write(&bad, b"not wasm at all").unwrap();
    let out = Command::new(bin).arg(&bad).arg("-o").arg(dir.path().join("out.wasm")).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.wasm") && stderr.contains("invalid wasm module"), "{stderr}");

    let missing = dir.path().join("missing.wasm");
    let out = Command::new(bin).arg(&missing).arg("-o").arg(dir.path().join("out.wasm")).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.wasm"));
}

#[test]
fn the_cli_prints_stats() {
    let bin = env!("CARGO_BIN_EXE_wasmos-rewrite");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wasm");
    let wasm = wat::parse_str(
        r#"(module
          (import "wasmos" "fork" (func $fork (result i32)))
          (memory 1)
          (func $main (export "_start") (drop (call $fork)))
          (func $other (result i32) i32.const 1))"#,
    )
    .unwrap();
    std::fs::write(&input, wasm).unwrap();
    let out = Command::new(bin).arg(&input).arg("-o").arg(dir.path().join("out.wasm")).arg("--stats").output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("functions instrumented: 1 / 2"), "{stdout}");
    assert!(stdout.contains("code size:"), "{stdout}");
}

//! The reverse call graph on hand-written modules.

use wasmos_rewrite::callgraph::CallGraph;

fn instrumented(wat: &str) -> Vec<String> {
    let wasm = wat::parse_str(wat).unwrap();
    let module = walrus::Module::from_buffer(&wasm).unwrap();
    let graph = CallGraph::analyze(&module);
    let mut names: Vec<String> = graph.instrumented(&module).into_iter().map(|f| module.funcs.get(f).name.clone().unwrap()).collect();
    names.sort();
    names
}

const PRELUDE: &str = r#"
  (import "wasmos" "fork" (func $fork (result i32)))
  (memory (export "memory") 1)
"#;

#[test]
fn direct_chain() {
    let wat = format!(
        r#"(module {PRELUDE}
          (func $g (result i32) call $fork)
          (func $f (result i32) call $g)
          (func $main (export "_start") (drop (call $f)))
          (func $leaf (result i32) i32.const 1)
          (func $calls_leaf (drop (call $leaf))))"#
    );
    assert_eq!(instrumented(&wat), ["f", "g", "main"]);
}

#[test]
fn through_a_function_pointer() {
    let wat = format!(
        r#"(module {PRELUDE}
          (type $t (func (param i32) (result i32)))
          (table 4 funcref)
          (elem (i32.const 1) $forker $other)
          (func $forker (param i32) (result i32) call $fork)
          (func $other (param i32) (result i32) local.get 0)
          (func $not_in_table (param i32) (result i32) call $fork)
          (func $caller (param i32) (result i32) (call_indirect (type $t) (i32.const 7) (local.get 0)))
          (func $other_sig (param i64) (result i32) (call_indirect (type $t) (i32.const 7) (i32.const 1)))
          (func $wrong_type (drop (call_indirect (param i64) (result i32) (i64.const 7) (i32.const 1)))))"#
    );
    assert_eq!(instrumented(&wat), ["caller", "forker", "not_in_table", "other_sig"]);
}

#[test]
fn through_invoke() {
    let wat = format!(
        r#"(module
          (import "env" "invoke_ii" (func $invoke_ii (param i32 i32) (result i32)))
          (import "env" "invoke_vi" (func $invoke_vi (param i32 i32)))
          {PRELUDE}
          (table 4 funcref)
          (elem (i32.const 1) $forker $quiet)
          (func $forker (param i32) (result i32) call $fork)
          (func $quiet (param i32))
          (func $sjlj (result i32) (call $invoke_ii (i32.const 1) (i32.const 2)))
          (func $sjlj_quiet (call $invoke_vi (i32.const 2) (i32.const 2))))"#
    );
    assert_eq!(instrumented(&wat), ["forker", "sjlj"]);
}

#[test]
fn recursion_and_unreachable_functions() {
    let wat = format!(
        r#"(module {PRELUDE}
          (func $even (param i32) (result i32)
            (if (result i32) (local.get 0)
              (then (call $odd (i32.sub (local.get 0) (i32.const 1))))
              (else (call $fork))))
          (func $odd (param i32) (result i32) (call $even (i32.sub (local.get 0) (i32.const 1))))
          (func $self (param i32) (result i32) (call $self (local.get 0)))
          (func $main (export "_start") (drop (call $odd (i32.const 5)))))"#
    );
    assert_eq!(instrumented(&wat), ["even", "main", "odd"]);
}

#[test]
fn no_fork_import_means_nothing() {
    let wat = r#"(module (memory 1) (func $a (call $b)) (func $b (call $a)))"#;
    assert!(instrumented(wat).is_empty());
}

//! An instrumented module behaves exactly like the original when fork is
//! never called.

mod common;

use common::{engine, instantiate, Fork};

/// Every function here can reach fork (through `$maybe_fork`), so all of them
/// are instrumented; fork itself is only called for the argument -999.
const PROGRAM: &str = r#"
(module
  (import "env" "invoke_ii" (func $invoke_ii (param i32 i32) (result i32)))
  (import "wasmos" "fork" (func $fork (result i32)))
  (type $un (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (table (export "__indirect_function_table") 8 funcref)
  (elem (i32.const 1) $sq $cube)
  (global $sp (export "__stack_pointer") (mut i32) (i32.const 4096))
  (global $counter (mut i64) (i64.const 0))

  (func $maybe_fork (param $n i32) (result i32)
    (global.set $counter (i64.add (global.get $counter) (i64.const 1)))
    (if (result i32) (i32.eq (local.get $n) (i32.const -999))
      (then (call $fork))
      (else (local.get $n))))

  (func $sq (param i32) (result i32) (i32.mul (call $maybe_fork (local.get 0)) (local.get 0)))
  (func $cube (param i32) (result i32) (i32.mul (local.get 0) (call $sq (local.get 0))))

  (func $divmod (export "divmod") (param i32 i32) (result i32 i32)
    (drop (call $maybe_fork (local.get 0)))
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (call $maybe_fork (local.get 1))))

  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2))
      (then (call $maybe_fork (local.get 0)))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))

  ;; early return from nested blocks, dead code after it, unreachable
  (func $early (export "early") (param i32) (result i32)
    (block $out
      (block
        (br_if $out (i32.eqz (call $maybe_fork (local.get 0))))
        (if (i32.gt_s (local.get 0) (i32.const 10))
          (then (return (i32.add (i32.const 1000) (call $maybe_fork (local.get 0))))))
        (br $out)
        (drop (call $maybe_fork (i32.const 5)))
        unreachable))
    (i32.mul (local.get 0) (i32.const 3)))

  (func $mix (export "mix") (param $n i32) (result i64)
    (local $i i32) (local $acc i64) (local $f f32) (local $d f64)
    (local.set $f (f32.const 1.5))
    (local.set $d (f64.const 2.25))
    (block $done
      (loop $top
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        ;; a value below an indirect call on the stack
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s
          (i32.add (i32.const 3)
            (call_indirect (type $un) (local.get $i)
              (i32.add (i32.const 1) (i32.rem_u (local.get $i) (i32.const 2))))))))
        ;; through the invoke trampoline
        (local.set $acc (i64.sub (local.get $acc) (i64.extend_i32_s (call $invoke_ii (i32.const 2) (local.get $i)))))
        ;; br_table with a call in one arm
        (block $b2 (block $b1 (block $b0
          (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
          (local.set $f (f32.add (local.get $f) (f32.convert_i32_s (call $maybe_fork (local.get $i)))))
          (br $b2))
          (local.set $d (f64.mul (local.get $d) (f64.const 1.5))))
        ;; a multi-value block with parameters and calls inside
        i32.const 100
        local.get $i
        i32.const 1
        i32.add
        block (param i32 i32) (result i32 i32)
          call $divmod
        end
        i32.add
        i64.extend_i32_u
        local.get $acc
        i64.add
        local.set $acc
        ;; select with a call among its operands
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s
          (select (i32.const 5) (call $sq (local.get $i)) (i32.and (local.get $i) (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i64.add (local.get $acc)
      (i64.add (i64.trunc_f32_s (local.get $f))
        (i64.add (i64.trunc_f64_s (local.get $d))
          (i64.add (global.get $counter) (i64.extend_i32_s (call $fib (local.get $n))))))))
)
"#;

#[test]
fn instrumented_module_behaves_like_the_original() {
    let original = wat::parse_str(PROGRAM).unwrap();
    let out = wasmos_rewrite::rewrite(&original).unwrap();
    assert_eq!(out.stats.functions_instrumented, 7, "{}", out.stats);
    wasmparser::Validator::new().validate_all(&out.wasm).unwrap();
    let engine = engine();
    let (mut s1, i1) = instantiate(&engine, &original, Fork::Trap);
    let (mut s2, i2) = instantiate(&engine, &out.wasm, Fork::Trap);
    for n in 0..14 {
        let a = i1.get_typed_func::<i32, i64>(&mut s1, "mix").unwrap().call(&mut s1, n).unwrap();
        let b = i2.get_typed_func::<i32, i64>(&mut s2, "mix").unwrap().call(&mut s2, n).unwrap();
        assert_eq!(a, b, "mix({n})");
        for f in ["fib", "early"] {
            let a = i1.get_typed_func::<i32, i32>(&mut s1, f).unwrap().call(&mut s1, n).unwrap();
            let b = i2.get_typed_func::<i32, i32>(&mut s2, f).unwrap().call(&mut s2, n).unwrap();
            assert_eq!(a, b, "{f}({n})");
        }
        let a = i1.get_typed_func::<(i32, i32), (i32, i32)>(&mut s1, "divmod").unwrap().call(&mut s1, (n * 7, n + 1)).unwrap();
        let b = i2.get_typed_func::<(i32, i32), (i32, i32)>(&mut s2, "divmod").unwrap().call(&mut s2, (n * 7, n + 1)).unwrap();
        assert_eq!(a, b, "divmod({n})");
    }
    assert_eq!(s1.data().fork_calls + s2.data().fork_calls, 0);
}

#[test]
fn rewriting_twice_changes_nothing() {
    let original = wat::parse_str(PROGRAM).unwrap();
    let once = wasmos_rewrite::rewrite(&original).unwrap().wasm;
    let twice = wasmos_rewrite::rewrite(&once).unwrap().wasm;
    assert_eq!(once, twice);
}

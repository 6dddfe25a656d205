//! Unwind, copy, rewind: the whole fork protocol against a fake host.
//!
//! The oracle is the original module run with a fork import that simply
//! returns the pid (parent) or 0 (child): the rewritten module, unwound once
//! and rewound in two instances, must leave exactly the same results.

mod common;

use common::{copy_process, engine, global_i32, instantiate, Fork, BUF};
use wasmtime::{Instance, Store};

const PROGRAM: &str = r#"
(module
  (import "env" "invoke_ii" (func $invoke_ii (param i32 i32) (result i32)))
  (import "wasmos" "fork" (func $fork (result i32)))
  (memory (export "memory") 1)
  (table (export "__indirect_function_table") 4 funcref)
  (elem (i32.const 1) $g)
  (global $sp (export "__stack_pointer") (mut i32) (i32.const 4096))
  (global $hidden (mut i64) (i64.const 0))

  ;; g: an f64 local and a value on the stack across the fork call
  (func $g (param $x i32) (result i32)
    (local $l f64)
    (local.set $l (f64.const 0.5))
    (global.set $hidden (i64.const 77))
    (i32.add (i32.mul (local.get $x) (i32.const 10)) (call $fork))
    (local.set $x)
    (global.set $hidden (i64.add (global.get $hidden) (i64.extend_i32_s (local.get $x))))
    (i32.add (local.get $x) (i32.trunc_f64_s (f64.mul (local.get $l) (f64.const 8)))))

  (func $quiet (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))

  ;; f: a loop, a multi-value result, fork reached through invoke_ii at i == 2
  (func $f (param $y i32) (result i32 i64)
    (local $i i32) (local $k i64) (local $s f32) (local $acc i32)
    (local.set $k (i64.const 5))
    (local.set $s (f32.const 0.25))
    (block $done
      (loop $top
        (br_if $done (i32.ge_s (local.get $i) (i32.const 5)))
        (local.set $acc (i32.add (local.get $acc)
          (if (result i32) (i32.eq (local.get $i) (i32.const 2))
            (then (i32.add (i32.const 1000) (call $invoke_ii (i32.const 1) (i32.add (local.get $i) (local.get $y)))))
            (else (call $quiet (local.get $i))))))
        (local.set $k (i64.mul (local.get $k) (i64.const 3)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i32.add (local.get $acc) (i32.trunc_f32_s (f32.mul (local.get $s) (f32.const 40))))
    (local.get $k))

  (func $_start (export "_start")
    (local $a i32) (local $r i64)
    (local.set $a (i32.const 3))
    ;; the address of the store and `a + 100` live across the call
    i32.const 16
    (i32.add (local.get $a) (i32.const 100))
    (call $f (local.get $a))
    local.set $r
    i32.add
    i32.store
    (i64.store (i32.const 24) (local.get $r))
    (i64.store (i32.const 32) (global.get $hidden))
    (i32.store (i32.const 40) (global.get $sp)))
)
"#;

fn results(store: &mut Store<common::Host>, instance: &Instance) -> Vec<u8> {
    let mem = instance.get_memory(&mut *store, "memory").unwrap();
    mem.data(&*store)[16..48].to_vec()
}

fn oracle(wasm: &[u8], pid: i32) -> Vec<u8> {
    let engine = engine();
    let (mut s, i) = instantiate(&engine, wasm, Fork::Return(pid));
    i.get_typed_func::<(), ()>(&mut s, "_start").unwrap().call(&mut s, ()).unwrap();
    results(&mut s, &i)
}

#[test]
fn fork_unwinds_and_both_processes_rewind() {
    let original = wat::parse_str(PROGRAM).unwrap();
    let rewritten = wasmos_rewrite::rewrite(&original).unwrap().wasm;
    wasmparser::Validator::new().validate_all(&rewritten).unwrap();
    assert_ne!(oracle(&original, 42), oracle(&original, 0));
    let engine = engine();

    // The parent runs until fork, which starts the unwind.
    let (mut parent, pi) = instantiate(&engine, &rewritten, Fork::Unwind);
    let start = pi.get_typed_func::<(), ()>(&mut parent, "_start").unwrap();
    start.call(&mut parent, ()).unwrap();
    assert_eq!(parent.data().fork_calls, 1);
    assert_eq!(global_i32(&mut parent, &pi, "__wasmos_fork_state"), 1, "the stack was unwound");
    pi.get_typed_func::<(), ()>(&mut parent, "__wasmos_fork_stop").unwrap().call(&mut parent, ()).unwrap();
    assert_eq!(results(&mut parent, &pi), vec![0; 32], "nothing after fork ran yet");

    // The child is a copy of the parent's memory and globals.
    let (mut child, ci) = instantiate(&engine, &rewritten, Fork::Trap);
    copy_process((&mut parent, &pi), (&mut child, &ci));
    parent.data_mut().fork = Fork::Trap;

    for (store, instance, pid) in [(&mut parent, &pi, 42), (&mut child, &ci, 0)] {
        let rewind = instance.get_typed_func::<(i32, i32), ()>(&mut *store, "__wasmos_fork_start_rewind").unwrap();
        rewind.call(&mut *store, (BUF, pid)).unwrap();
        let start = instance.get_typed_func::<(), ()>(&mut *store, "_start").unwrap();
        start.call(&mut *store, ()).unwrap();
        assert_eq!(global_i32(store, instance, "__wasmos_fork_state"), 0);
        assert_eq!(results(store, instance), oracle(&original, pid), "pid {pid}");
    }
    assert_eq!(child.data().fork_calls, 0, "the rewind does not call the import again");
    assert_eq!(parent.data().fork_calls, 1);
}

#[test]
fn a_corrupt_buffer_traps_instead_of_resuming_elsewhere() {
    let original = wat::parse_str(PROGRAM).unwrap();
    let rewritten = wasmos_rewrite::rewrite(&original).unwrap().wasm;
    let engine = engine();
    let (mut s, i) = instantiate(&engine, &rewritten, Fork::Unwind);
    i.get_typed_func::<(), ()>(&mut s, "_start").unwrap().call(&mut s, ()).unwrap();
    i.get_typed_func::<(), ()>(&mut s, "__wasmos_fork_stop").unwrap().call(&mut s, ()).unwrap();
    // Drop the outermost record: `_start` would pop `f`'s record.
    let mem = i.get_memory(&mut s, "memory").unwrap();
    let mut cur = [0; 4];
    mem.read(&s, BUF as usize, &mut cur).unwrap();
    let rewind = i.get_typed_func::<(i32, i32), ()>(&mut s, "__wasmos_fork_start_rewind").unwrap();
    rewind.call(&mut s, (BUF, 1)).unwrap();
    mem.write(&mut s, BUF as usize, &(i32::from_le_bytes(cur) - 8).to_le_bytes()).unwrap();
    assert!(i.get_typed_func::<(), ()>(&mut s, "_start").unwrap().call(&mut s, ()).is_err());
}

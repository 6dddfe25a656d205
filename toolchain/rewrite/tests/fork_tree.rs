//! Two forks in a row (fork, then vfork) from awkward places: the else arm
//! of an `if` with block parameters inside a loop, a `br_table` case, a
//! multi-value result, values of every type live across the calls. Every
//! process of the resulting tree of four must end exactly like the original
//! module run with a fork import returning the same values.

mod common;

use std::collections::VecDeque;

use common::{copy_process, engine, global_i32, instantiate, Fork, Host, BUF};
use wasmtime::{Instance, Store};

const PROGRAM: &str = r#"
(module
  (import "wasmos" "fork" (func $fork (result i32)))
  (import "wasmos" "vfork" (func $vfork (result i32)))
  (memory (export "memory") 1)
  (global $sp (export "__stack_pointer") (mut i32) (i32.const 4096))
  (global $out (mut i32) (i32.const 256))

  (func $emit (param i64)
    (i64.store (global.get $out) (local.get 0))
    (global.set $out (i32.add (global.get $out) (i32.const 8))))

  ;; a multi-value result computed across vfork
  (func $pair (param $a i32) (result i32 i64)
    (local.get $a)
    (i64.extend_i32_s (i32.add (i32.mul (local.get $a) (i32.const 3)) (call $vfork))))

  (func $mid (param $n i32) (result i64)
    (local $i i32) (local $x i64) (local $y f32) (local $z f64)
    (local.set $x (i64.const 9))
    (local.set $y (f32.const 2.5))
    (local.set $z (f64.const -1.25))
    (loop $l
      ;; values below the block, block parameters, fork in the else arm
      i64.const 1000
      local.get $i
      block (param i64 i32) (result i64 i32)
        local.get $i
        i32.const 2
        i32.ne
        if (param i64 i32) (result i64 i32)
        else
          drop
          call $fork
          i32.const 7
          i32.add
        end
      end
      i64.extend_i32_s
      i64.add
      local.get $x
      i64.add
      local.set $x
      ;; a switch with vfork in one case
      (block $b2 (block $b1 (block $b0
        (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
        (local.set $y (f32.mul (local.get $y) (f32.const 2)))
        (br $b2))
        (if (i32.eq (local.get $i) (i32.const 4))
          (then
            (call $pair (i32.add (local.get $n) (local.get $i)))
            (local.set $x (i64.add (local.get $x)))
            (local.set $z (f64.add (f64.convert_i32_s) (local.get $z))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (call $emit (i64.trunc_f32_s (local.get $y)))
    (call $emit (i64.reinterpret_f64 (local.get $z)))
    (local.get $x))

  (func $_start (export "_start")
    (call $emit (i64.add (i64.const 5) (call $mid (i32.const 6)))))
)
"#;

/// A process to run: store, instance, its fork results so far, and the
/// result to rewind with (`None`: start afresh).
type Proc = (Store<Host>, Instance, Vec<i32>, Option<i32>);

fn output(store: &mut Store<Host>, instance: &Instance) -> Vec<u8> {
    let mem = instance.get_memory(&mut *store, "memory").unwrap();
    mem.data(&*store)[256..512].to_vec()
}

fn oracle(wasm: &[u8], forks: &[i32]) -> Vec<u8> {
    let (mut s, i) = instantiate(&engine(), wasm, Fork::Script);
    s.data_mut().script = forks.iter().copied().collect();
    i.get_typed_func::<(), ()>(&mut s, "_start").unwrap().call(&mut s, ()).unwrap();
    assert!(s.data().script.is_empty());
    output(&mut s, &i)
}

#[test]
fn a_tree_of_four_processes_matches_the_original() {
    let original = wat::parse_str(PROGRAM).unwrap();
    let rewritten = wasmos_rewrite::rewrite(&original).unwrap().wasm;
    let engine = engine();

    let (s, i) = instantiate(&engine, &rewritten, Fork::Unwind);
    let mut queue: VecDeque<Proc> = VecDeque::from([(s, i, vec![], None)]);
    let mut finished = Vec::new();
    let mut next_pid = 100;
    while let Some((mut store, instance, forks, rewind)) = queue.pop_front() {
        if let Some(result) = rewind {
            let f = instance.get_typed_func::<(i32, i32), ()>(&mut store, "__wasmos_fork_start_rewind").unwrap();
            f.call(&mut store, (BUF, result)).unwrap();
        }
        instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap().call(&mut store, ()).unwrap();
        if global_i32(&mut store, &instance, "__wasmos_fork_state") == 0 {
            finished.push((forks, output(&mut store, &instance)));
            continue;
        }
        instance.get_typed_func::<(), ()>(&mut store, "__wasmos_fork_stop").unwrap().call(&mut store, ()).unwrap();
        let (mut child, ci) = instantiate(&engine, &rewritten, Fork::Unwind);
        copy_process((&mut store, &instance), (&mut child, &ci));
        next_pid += 1;
        let (mut pf, mut cf) = (forks.clone(), forks);
        pf.push(next_pid);
        cf.push(0);
        queue.push_back((store, instance, pf, Some(next_pid)));
        queue.push_back((child, ci, cf, Some(0)));
    }
    assert_eq!(finished.len(), 4, "fork then vfork make four processes");
    let mut seen = Vec::new();
    for (forks, out) in finished {
        assert_eq!(forks.len(), 2);
        assert_eq!(out, oracle(&original, &forks), "process with fork results {forks:?}");
        seen.push(out);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "the four processes computed different things");
}

//! fork and vfork on the host engine (the fork rewriting protocol): C
//! programs built with wasmos-cc, compared with the same programs built
//! natively, and dash pipelines and command substitutions compared with
//! the host's dash.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use wasmos_tests::fixtures;
use wasmos_tests::*;

fn build(dir: &Path, name: &str) -> PathBuf {
    let wasm = dir.join(format!("{name}.wasm"));
    compile_wasm(&[&c_source(&format!("{name}.c"))], &wasm, &[]);
    std::fs::set_permissions(&wasm, std::fs::Permissions::from_mode(0o755)).unwrap();
    wasm
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn fork_pipes_recursion_pointers_exec_and_statuses_match_native() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "proc_child");
    let wasm = build(dir.path(), "fork_basic");
    let (native, native_child) = (dir.path().join("fork_basic"), dir.path().join("proc_child"));
    compile_native(&[&c_source("fork_basic.c")], &native, &[]);
    compile_native(&[&c_source("proc_child.c")], &native_child, &[]);
    let n = run_with_input(Command::new(&native).arg(&native_child), b"");
    let mount = format!("{}:/t", dir.path().display());
    let w = run_wasmos(&["--dir", &mount], &wasm, &["/t/proc_child.wasm"], b"");
    let expect = "pipe: child says counter=101\nparent counter=100 child pid>1: 1\nchild: exited 3\n\
                  deep parent bad=0\ndeep: exited 10\npointer parent x=42\npointer: exited 12\n\
                  exec'd from a fork\nexec: exited 0\nkid 0: exited 20\nkid 1: exited 21\nkid 2: killed by 9\n";
    assert_eq!(text(&n.stdout), expect);
    assert_eq!(text(&w.stdout), expect, "stderr: {}", text(&w.stderr));
    assert_eq!(text(&w.stderr), "");
    assert_eq!(exit_code(&w), 0);
}

#[test]
fn dash_pipelines_and_substitutions_match_the_host_dash() {
    let dash = fixtures::dash();
    for script in [
        "echo hi | { read x; echo $x; }",
        "echo $(echo sub)",
        "a=$(echo one; echo two); echo \"$a\"; (exit 3); echo \"sub $?\"; false | true; echo $?",
        "x=$( (echo nested; exit 5) ); echo \"$x $?\"; echo left | { read l; echo \"$l right\"; } | { read m; echo \"[$m]\"; }",
        "f() { echo in-f; return 7; }; v=$(f); echo \"$v $?\"; (sh_level=1; echo \"sub $sh_level\"); echo \"top ${sh_level:-unset}\"",
        "for i in 1 2 3; do echo $i; done | while read x; do echo \"got $x\"; done",
        "echo `echo back` `echo ticks`",
        "true && echo a || echo b; false && echo c || echo d",
        "f=/tmp/wasmos-dash-$$; echo out > $f; echo more >> $f; while read l; do echo \"<$l>\"; done < $f; { echo err >&2; } 2>&1; exec 3<$f; read first <&3; echo \"fd3 $first\"",
        "while read l; do echo \"doc: $l\"; done <<EOF\nhere $((1 + 1))\nline two\nEOF",
        "loop() { i=0; while [ $i -lt 1000 ]; do i=$((i + 1)); done; echo \"bg $i\"; return 4; }; loop & wait $!; echo \"waited $?\"",
        "trap 'echo caught' INT; kill -INT $$; echo after",
        "set -e; echo before; false; echo notreached",
        "(exit 3); echo \"status $?\"; exit 3",
    ] {
        let native = run_with_input(Command::new("dash").arg("-c").arg(script).env_clear(), b"");
        let ours = run_wasmos(&[], &dash, &["-c", script], b"");
        assert_eq!(text(&ours.stdout), text(&native.stdout), "{script}\nstderr: {}", text(&ours.stderr));
        assert_eq!(exit_code(&ours), exit_code(&native), "{script}");
    }
    // The native runs wrote their scratch files into the host's /tmp.
    for e in std::fs::read_dir("/tmp").unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("wasmos-dash-") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[test]
fn fork_under_a_timer_and_from_a_handler() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = build(dir.path(), "fork_signals");
    let w = run_wasmos(&[], &wasm, &[], b"");
    assert_eq!(text(&w.stdout), "forks under a timer: bad=0 ticked=1\nfork in a handler: ENOSYS\n", "stderr: {}", text(&w.stderr));
    assert_eq!(exit_code(&w), 0);
}

#[test]
fn fork_bomb_is_contained_by_the_process_limit() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = build(dir.path(), "fork_bomb");
    let o = run_wasmos(&["--max-procs", "6"], &wasm, &[], b"");
    assert_eq!(text(&o.stdout), "made>0 1 eagain>0 1 other 0 all-reaped 1\n", "stderr: {}", text(&o.stderr));
    assert!(o.status.success());
}

//! The process model on the host engine: signal handlers, interrupting
//! CPU-bound code, `^C` forwarding, `execve` and `posix_spawn` — C programs
//! built with wasmos-cc, several of them talking to each other.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wasmos_tests::fixtures;
use wasmos_tests::*;

/// Builds `tests/c/<name>.c` into `dir/<name>.wasm`, executable (exec and
/// spawn need the execute bit, as on Linux).
fn build(dir: &Path, name: &str) -> PathBuf {
    let wasm = dir.join(format!("{name}.wasm"));
    compile_wasm(&[&c_source(&format!("{name}.c"))], &wasm, &[]);
    std::fs::set_permissions(&wasm, std::fs::Permissions::from_mode(0o755)).unwrap();
    wasm
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn signal_handlers_in_one_process_match_native() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = build(dir.path(), "proc_signals");
    let native = dir.path().join("proc_signals");
    compile_native(&[&c_source("proc_signals.c")], &native, &[]);
    let n = run_with_input(&mut Command::new(&native), b"");
    let w = run_wasmos(&[], &wasm, &[], b"");
    assert_eq!(stdout(&w), stdout(&n), "stderr: {}", String::from_utf8_lossy(&w.stderr));
    assert!(stdout(&w).contains("read: n=-1 errno=EINTR hits=1"));
    assert!(stdout(&w).contains("restart: n=1 c=x hits=1"));
    assert!(stdout(&w).contains("busy loop: hits=1"));
    assert!(stdout(&w).contains("jumped out of busy loop: got=14 alrm-blocked=0"));
    assert_eq!(exit_code(&w), 143);
    assert_eq!(exit_code(&n), 143);
}

#[test]
fn posix_spawn_pipes_statuses_actions_kill_and_sigchld() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "proc_child");
    let spawn = build(dir.path(), "proc_spawn");
    let mount = format!("{}:/t", dir.path().display());
    let w = run_wasmos(&["--dir", &mount], &spawn, &["/t/proc_child.wasm"], b"");
    let out = stdout(&w);
    let expect = "pipe: hello through a pipe\necho: exited 0\nexit 7: exited 7\nto file: exited 0\nfile: in a file\n\
                  fds 3 4: oooo------\nfds: exited 0\nmissing: ENOENT\nnot executable: EACCES\nspin: killed by 15\n\
                  killed within 500ms: 1\nsigchld hits: 1\nstopped: 1 sig 19\npause: killed by 9\n\
                  spin stopped: 1\nspin continued: 1\nspin: killed by 9\nppid=1\nspawnp: exited 0\n";
    assert_eq!(out, expect, "stderr: {}", String::from_utf8_lossy(&w.stderr));
    assert_eq!(exit_code(&w), 0);
    assert_eq!(String::from_utf8_lossy(&w.stderr), "");
}

#[test]
fn execve_keeps_pid_and_fds_closes_cloexec_passes_args_and_runs_scripts() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "proc_child");
    let exec = build(dir.path(), "proc_exec");
    let mount = format!("{}:/t", dir.path().display());
    let failures = "missing: -1 No such file or directory\ntext: -1 ENOEXEC\nbad wasm: -1 ENOEXEC\n";
    let run = |mode: &str| {
        let w = run_wasmos(&["--dir", &mount], &exec, &["/t/proc_child.wasm", mode], b"");
        assert_eq!(exit_code(&w), 0, "{mode}: {}", String::from_utf8_lossy(&w.stderr));
        stdout(&w)
    };
    assert_eq!(run("fds"), format!("{failures}opened 3 4\noooo------\n"));
    assert_eq!(run("env"), format!("{failures}env A=1\nenv B=two words\n"));
    assert_eq!(run("script"), format!("{failures}/tmp/script a b c\n"));
}

/// Starts `wasmos run prog args`, waits for its "ready" line, sends the
/// host process `sig`, and returns (exit code, rest of stdout, how long it
/// took to end).
fn interrupt(wasm: &Path, args: &[&str], sig: &str) -> (i32, String, Duration) {
    let mut child = Command::new(tool("wasmos"))
        .arg("run")
        .arg(wasm)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let t = Instant::now();
    let st = Command::new("kill").arg(format!("-{sig}")).arg(child.id().to_string()).status().unwrap();
    assert!(st.success());
    let o = child.wait_with_output().unwrap();
    let took = t.elapsed();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    rest.push_str(&String::from_utf8_lossy(&o.stdout));
    (exit_code(&o), rest, took)
}

#[test]
fn sigint_to_the_host_reaches_a_busy_guest() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = build(dir.path(), "proc_sigint");
    let (code, rest, took) = interrupt(&wasm, &["handler"], "INT");
    assert_eq!((code, rest.as_str()), (3, "handled 2\n"));
    assert!(took < Duration::from_secs(2), "{took:?}");
    let (code, rest, took) = interrupt(&wasm, &[], "INT");
    assert_eq!((code, rest.as_str()), (130, ""));
    assert!(took < Duration::from_secs(2), "{took:?}");
    let (code, _, _) = interrupt(&wasm, &[], "TERM");
    assert_eq!(code, 143);
}

#[test]
fn system_and_popen_run_dash_through_posix_spawn() {
    let dir = tempfile::tempdir().unwrap();
    let prog = build(dir.path(), "proc_system");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::copy(fixtures::dash(), bin.join("sh")).unwrap();
    std::fs::set_permissions(bin.join("sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mount = format!("{}:/bin:ro", bin.display());
    let w = run_wasmos(&["--dir", &mount], &prog, &[], b"");
    assert_eq!(
        stdout(&w),
        "system: exited=1 code=5\npopen r: from sh\npopen r: second line\npclose: 0\npopen w: got hello\npclose: 0\n",
        "stderr: {}",
        String::from_utf8_lossy(&w.stderr)
    );
    assert_eq!(exit_code(&w), 0);
}

//! C programs compiled with wasmos-cc and run with `wasmos`, each compared
//! with the same source compiled natively and run on Linux: same stdout,
//! same exit status.

use std::path::PathBuf;
use std::process::Command;

use wasmos_tests::*;

struct Built {
    wasm: PathBuf,
    native: PathBuf,
    _dir: tempfile::TempDir,
}

fn build(name: &str) -> Built {
    let dir = tempfile::tempdir().unwrap();
    let src = c_source(&format!("{name}.c"));
    let wasm = dir.path().join(format!("{name}.wasm"));
    let native = dir.path().join(name);
    compile_wasm(&[&src], &wasm, &[]);
    compile_native(&[&src], &native, &[]);
    Built { wasm, native, _dir: dir }
}

fn native(b: &Built, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(&b.native);
    cmd.args(args).env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_with_input(&mut cmd, b"")
}

/// Runs both builds; asserts equal stdout and exit status; returns stdout.
fn same_as_native(name: &str, args: &[&str]) -> String {
    let b = build(name);
    let n = native(&b, args, &[]);
    let w = run_wasmos(&[], &b.wasm, args, b"");
    let (ns, ws) = (String::from_utf8_lossy(&n.stdout), String::from_utf8_lossy(&w.stdout));
    assert_eq!(ws, ns, "{name}: stdout differs from native\nwasmos stderr:\n{}", String::from_utf8_lossy(&w.stderr));
    assert_eq!(exit_code(&w), exit_code(&n), "{name}: exit status differs; stderr:\n{}", String::from_utf8_lossy(&w.stderr));
    ws.into_owned()
}

#[test]
fn stdio_and_printf() {
    let out = same_as_native("stdio_printf", &[]);
    assert!(out.contains("int 42 -7     3|3    |00003 +9"), "{out}");
    assert!(out.contains("float 3.141590 2.50 1.234568e+04"), "{out}");
}

#[test]
fn stderr_goes_to_stderr() {
    let b = build("stdio_printf");
    let w = run_wasmos(&[], &b.wasm, &[], b"");
    assert_eq!(String::from_utf8_lossy(&w.stderr), "to stderr\n");
}

#[test]
fn malloc_realloc_free_stress() {
    let out = same_as_native("malloc_stress", &[]);
    assert!(out.starts_with("checksum "), "{out}");
    assert!(out.contains("calloc-nonzero 0 big 114688"), "{out}");
}

#[test]
fn qsort_and_bsearch() {
    let out = same_as_native("sort_search", &[]);
    assert!(out.contains("sorted=1"));
    assert!(out.contains("apple banana cherry date elderberry fig grape pear"));
}

#[test]
fn string_h_and_ctype() {
    let out = same_as_native("strings_ctype", &[]);
    assert!(out.contains("hello, world len=12"));
    assert!(out.contains("[a][b][c][d]"));
}

#[test]
fn setjmp_longjmp() {
    let out = same_as_native("sjlj", &[]);
    assert!(out.contains("back r=7 counter=2 depth=1"), "{out}");
    assert!(out.contains("longjmp(0) gives 1"));
    assert!(out.contains("loop 2"));
}

#[test]
fn time_and_strftime() {
    let out = same_as_native("time_fmt", &[]);
    assert!(out.contains("gmtime 2023-11-14 22:13:20 Tue Nov 318 2 2"), "{out}");
    assert!(out.contains("slept>=20ms 1"));
    assert!(out.contains("sizeof time_t 8"));
}

#[test]
fn getenv_and_argv() {
    let b = build("env_args");
    let args = ["one", "two words", "", "--flag=x"];
    let env = [("GREETING", "hi there"), ("WASMOS_T_A", "1"), ("WASMOS_T_B", "x=y")];
    let n = native(&b, &args, &env);
    let opts: Vec<String> = env.iter().map(|(k, v)| format!("--env={k}={v}")).collect();
    let opts: Vec<&str> = opts.iter().map(String::as_str).collect();
    let w = run_wasmos(&opts, &b.wasm, &args, b"");
    assert_eq!(String::from_utf8_lossy(&w.stdout), String::from_utf8_lossy(&n.stdout));
    assert!(String::from_utf8_lossy(&w.stdout).contains("argv[2]=[two words]"));
    assert!(String::from_utf8_lossy(&w.stdout).contains("env WASMOS_T_B=x=y"));
}

#[test]
fn exit_statuses() {
    for args in [&["return", "0"][..], &["return", "3"], &["exit", "42"], &["exit", "300"], &["_exit", "5"], &["abort"], &["raise"]] {
        same_as_native("exit_status", args);
    }
}

#[test]
fn trap_reports_function_and_exits_nonzero() {
    let b = build("exit_status");
    let w = run_wasmos(&[], &b.wasm, &["trap"], b"");
    let err = String::from_utf8_lossy(&w.stderr);
    assert_eq!(exit_code(&w), 132, "{err}");
    assert!(err.contains("trap") && err.contains("main"), "{err}");
    assert_eq!(String::from_utf8_lossy(&w.stdout), "mode trap\n");
}

#[test]
fn dev_urandom_zero_null() {
    let out = same_as_native("urandom", &[]);
    assert_eq!(out, "read 64 getrandom 64 mostly-nonzero 1 differ 1\nzero 16 1\nnull write 3 read 0\n");
}

fn files_native() -> String {
    let b = build("files");
    let tmp = tempfile::tempdir().unwrap();
    let n = native(&b, &[tmp.path().to_str().unwrap()], &[]);
    assert!(n.status.success());
    String::from_utf8(n.stdout).unwrap()
}

#[test]
fn files_in_tmp() {
    let expected = files_native();
    let b = build("files");
    let w = run_wasmos(&[], &b.wasm, &["/tmp"], b"");
    assert_eq!(String::from_utf8_lossy(&w.stdout), expected, "stderr: {}", String::from_utf8_lossy(&w.stderr));
    assert!(w.status.success());
}

#[test]
fn files_in_host_dir_mount() {
    let expected = files_native();
    let b = build("files");
    let host = tempfile::tempdir().unwrap();
    let spec = format!("{}:/mnt/host", host.path().display());
    let w = run_wasmos(&["--dir", &spec], &b.wasm, &["/mnt/host"], b"");
    assert_eq!(String::from_utf8_lossy(&w.stdout), expected, "stderr: {}", String::from_utf8_lossy(&w.stderr));
    // Everything the program created it also removed, on the real disk.
    assert_eq!(std::fs::read_dir(host.path()).unwrap().count(), 0);
}

#[test]
fn read_only_mount_refuses_writes() {
    let b = build("rofs");
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("existing.txt"), "data").unwrap();
    let spec = format!("{}:/ro:ro", host.path().display());
    let w = run_wasmos(&["--dir", &spec], &b.wasm, &["/ro"], b"");
    let out = String::from_utf8_lossy(&w.stdout);
    let expect = ["content [data]", "-> -1 EROFS"];
    for e in expect {
        assert!(out.contains(e), "missing {e:?} in:\n{out}");
    }
    let erofs = out.lines().filter(|l| l.ends_with("-1 EROFS")).count();
    assert_eq!(erofs, 8, "{out}");
    assert!(out.lines().last().unwrap().ends_with("0 OK"), "R_OK works: {out}");
    assert_eq!(std::fs::read_to_string(host.path().join("existing.txt")).unwrap(), "data");
    assert!(!host.path().join("new.txt").exists());
}

#[test]
fn stdin_is_read_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("cat.c");
    std::fs::write(&src, "#include <stdio.h>\nint main(void){int c; long n=0; while((c=getchar())!=EOF){putchar(c); n++;} printf(\"[%ld]\\n\", n); return 0;}\n").unwrap();
    let wasm = dir.path().join("cat.wasm");
    compile_wasm(&[&src], &wasm, &[]);
    let input: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let w = run_wasmos(&[], &wasm, &[], &input);
    assert_eq!(&w.stdout[..input.len()], &input[..]);
    assert_eq!(String::from_utf8_lossy(&w.stdout[input.len()..]), "[200000]\n");
}

#[test]
fn closed_stdout_pipe_kills_with_sigpipe_like_native() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let b = build("yes_lines");
    // Read three lines, hang up, and see how the writer ended.
    let status = |cmd: &mut Command| {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for _ in 0..3 {
            lines.next().unwrap().unwrap();
        }
        drop(lines);
        exit_code(&child.wait_with_output().unwrap())
    };
    let native = status(&mut Command::new(&b.native));
    let ours = status(Command::new(tool("wasmos")).arg("run").arg(&b.wasm));
    assert_eq!(native, 141);
    assert_eq!(ours, native);
}

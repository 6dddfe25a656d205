//! End-to-end: hand-written wat programs run by the `wasmos` binary through
//! the real kernel.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Syscall numbers used below.
const WRITE: u32 = 64;
const READ: u32 = 63;
const EXIT_GROUP: u32 = 94;
const GETPPID: u32 = 173;
const STARTINFO: u32 = 4096;

/// Common prelude: the syscall import, memory, and `$sys1`/`$sys3`
/// helpers. `BODY` is spliced in; the ABI section is appended.
fn program(body: &str) -> String {
    format!(
        r#"(module
  (import "wasmos" "syscall" (func $sys (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  {body}
  (func $sys1 (param i32 i32) (result i32)
    (call $sys (local.get 0) (local.get 1) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
  (func $sys3 (param i32 i32 i32 i32) (result i32)
    (call $sys (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 0) (i32.const 0) (i32.const 0)))
  (func $exit (param i32) (drop (call $sys1 (i32.const {EXIT_GROUP}) (local.get 0))) unreachable)
  (@custom "wasmos.abi" "\01\00\00\00"))"#
    )
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env { dir: tempfile::tempdir().unwrap() }
    }

    fn write_wat(&self, name: &str, wat: &str) -> PathBuf {
        let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("bad test wat: {e}\n{wat}"));
        self.write(name, &bytes)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wasmos"));
        c.env("WASMOS_CACHE_DIR", self.dir.path().join("cache")).env_remove("WASMOS_LOG").env_remove("RUST_LOG");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_stdin(args, b"")
    }

    fn run_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self.cmd().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        feeder.join().unwrap();
        out
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn hello_and_exit_code() {
    let env = Env::new();
    let p = env.write_wat(
        "hello.wasm",
        &program(&format!(
            r#"(memory (export "memory") 1)
  (data (i32.const 16) "hi\n")
  (func (export "_start")
    (drop (call $sys3 (i32.const {WRITE}) (i32.const 1) (i32.const 16) (i32.const 3)))
    (call $exit (i32.const 7)))"#
        )),
    );
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(out.stdout, b"hi\n");
    assert_eq!(stderr(&out), "");
    // The second run comes from the module cache and behaves the same.
    let cached: Vec<_> = std::fs::read_dir(env.dir.path().join("cache/modules")).unwrap().collect();
    assert_eq!(cached.len(), 1);
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(out.stdout, b"hi\n");
}

#[test]
fn returning_from_start_is_exit_zero() {
    let env = Env::new();
    let p = env.write_wat("ret.wasm", &program(r#"(memory (export "memory") 1) (func (export "_start"))"#));
    let out = env.run(&["run", "--no-cache", s(&p)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn argv_and_env_reach_the_guest_and_nothing_else() {
    // Exit code = argc * 10 + envc, read from the start info image.
    let env = Env::new();
    let p = env.write_wat(
        "args.wasm",
        &program(&format!(
            r#"(memory (export "memory") 1)
  (func (export "_start") (local $p i32) (local $envc i32)
    (drop (call $sys3 (i32.const {STARTINFO}) (i32.const 1024) (i32.const 60000) (i32.const 0)))
    ;; envp starts after argc, argv[argc] and its NULL.
    (local.set $p (i32.add (i32.const 1024) (i32.mul (i32.add (i32.load (i32.const 1024)) (i32.const 2)) (i32.const 4))))
    (block $done (loop $l
      (br_if $done (i32.eqz (i32.load (local.get $p))))
      (local.set $envc (i32.add (local.get $envc) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l)))
    (call $exit (i32.add (i32.mul (i32.load (i32.const 1024)) (i32.const 10)) (local.get $envc))))"#
        )),
    );
    let out = env.cmd().args(["run", "--env", "A=1", "--env", "B=2", s(&p), "--strace", "x"]).env("LEAK", "1").output().unwrap();
    assert_eq!(out.status.code(), Some(32), "{}", stderr(&out));
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(10), "no host environment leaks in: {}", stderr(&out));
    let out = env.run(&["run", "--env", "NOEQUALS", s(&p)]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(stderr(&out), "wasmos: --env NOEQUALS: expected NAME=VALUE\n");
}

#[test]
fn stdin_is_read_on_demand() {
    // cat: copy stdin to stdout until end of file.
    let env = Env::new();
    let p = env.write_wat(
        "cat.wasm",
        &program(&format!(
            r#"(memory (export "memory") 1)
  (func (export "_start") (local $n i32)
    (loop $l
      (local.set $n (call $sys3 (i32.const {READ}) (i32.const 0) (i32.const 256) (i32.const 4096)))
      (if (i32.lt_s (local.get $n) (i32.const 0)) (then (call $exit (i32.const 99))))
      (if (i32.gt_s (local.get $n) (i32.const 0)) (then
        (drop (call $sys3 (i32.const {WRITE}) (i32.const 1) (i32.const 256) (local.get $n)))
        (br $l))))
    (call $exit (i32.const 0)))"#
        )),
    );
    let input: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let out = env.run_stdin(&["run", s(&p)], &input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(out.stdout, input);
}

#[test]
fn strace_prints_each_call() {
    let env = Env::new();
    let p = env.write_wat(
        "ppid.wasm",
        &program(&format!(
            r#"(memory (export "memory") 1)
  (func (export "_start") (drop (call $sys1 (i32.const {GETPPID}) (i32.const 0))) (call $exit (i32.const 3)))"#
        )),
    );
    let out = env.run(&["run", "--strace", s(&p)]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stderr(&out), "getppid() = 0\nexit_group(3) = ?\n+++ exited with 3 +++\n");
}

#[test]
fn traps_report_the_function_and_exit_with_the_signal() {
    let env = Env::new();
    let cases = [
        ("(func $abort unreachable) (func (export \"_start\") call $abort)", 132, "trap: unreachable executed in function abort"),
        (
            "(func $poke (i32.store (i32.const 70000) (i32.const 1))) (func (export \"_start\") call $poke)",
            139,
            "trap: out-of-bounds memory access in function poke",
        ),
        (
            "(func $div (drop (i32.div_u (i32.const 1) (i32.const 0)))) (func (export \"_start\") call $div)",
            136,
            "trap: integer divide by zero in function div",
        ),
        ("(func $deep call $deep) (func (export \"_start\") call $deep)", 139, "trap: stack overflow in function deep"),
    ];
    for (i, (body, code, msg)) in cases.iter().enumerate() {
        let p = env.write_wat(&format!("t{i}.wasm"), &program(&format!("(memory (export \"memory\") 1) {body}")));
        let out = env.run(&["run", s(&p)]);
        assert_eq!(out.status.code(), Some(*code), "{}", stderr(&out));
        assert_eq!(stderr(&out), format!("wasmos: {}: {msg}\n", s(&p)));
    }
}

#[test]
fn load_errors_name_the_file() {
    let env = Env::new();
    let out = env.run(&["run", "./does-not-exist.wasm"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(stderr(&out), "wasmos: ./does-not-exist.wasm: No such file or directory\n");

    let p = env.write("script.wasm", b"#!/bin/sh\necho hi\n");
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(126));
    assert_eq!(stderr(&out), format!("wasmos: {}: not a WebAssembly module (bad magic number)\n", s(&p)));

    let p = env.write_wat("plain.wasm", r#"(module (memory (export "memory") 1) (func (export "_start")))"#);
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(126));
    assert_eq!(stderr(&out), format!("wasmos: {}: was not built for wasmos (no wasmos.abi section); build it with wasmos-cc\n", s(&p)));

    let p = env.write_wat("v7.wasm", r#"(module (func (export "_start")) (@custom "wasmos.abi" "\07\00\00\00"))"#);
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(126));
    assert_eq!(stderr(&out), format!("wasmos: {}: built for wasmos ABI 7, this runtime implements ABI 1\n", s(&p)));

    let p = env.write_wat(
        "puts.wasm",
        &program(r#"(import "env" "puts" (func (param i32) (result i32))) (memory (export "memory") 1) (func (export "_start"))"#),
    );
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(126));
    assert_eq!(stderr(&out), format!("wasmos: {}: imports `env.puts`, which wasmos does not provide\n", s(&p)));

    let p = env.write_wat("nostart.wasm", &program(r#"(memory (export "memory") 1)"#));
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(126));
    assert!(stderr(&out).contains("does not export `_start`"), "{}", stderr(&out));

    let mut truncated = wat::parse_str(program(r#"(memory (export "memory") 1) (func (export "_start"))"#)).unwrap();
    truncated.truncate(truncated.len() / 2);
    let p = env.write("trunc.wasm", &truncated);
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(126));
    assert!(stderr(&out).starts_with(&format!("wasmos: {}: invalid WebAssembly: ", s(&p))), "{}", stderr(&out));
}

#[test]
fn bad_options_are_reported() {
    let env = Env::new();
    let p = env.write_wat("ret.wasm", &program(r#"(memory (export "memory") 1) (func (export "_start"))"#));
    let out = env.run(&["run", "--dir", "nocolon", s(&p)]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(stderr(&out), "wasmos: --dir nocolon: expected HOST:GUEST or HOST:GUEST:ro\n");
    let out = env.run(&["run", "--dir", "/no/such/dir:/mnt", s(&p)]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(stderr(&out), "wasmos: --dir /no/such/dir:/mnt: /no/such/dir: No such file or directory\n");
    let out = env.run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = env.run(&["--version"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wasmos "), "{out:?}");
    let out = env.run(&["run", "--help"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("--dir <HOST:GUEST[:ro]>"));
}

#[test]
fn fork_needs_a_rewritten_binary() {
    let env = Env::new();
    let p = env.write_wat(
        "fork.wasm",
        &program(
            r#"(import "wasmos" "fork" (func $fork (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.sub (i32.const 0) (call $fork))))"#,
        ),
    );
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(38), "fork without the rewriter's exports returns -ENOSYS: {}", stderr(&out));
}

/// setjmp/longjmp: `$body` runs under `invoke_vi`; `$thrower` moves the
/// shadow stack pointer like a real frame would, records the throw in
/// memory the way the C `longjmp` does, and unwinds.
fn sjlj_program(start: &str) -> String {
    program(&format!(
        r#"(import "wasmos" "longjmp_unwind" (func $unwind))
  (import "env" "invoke_vi" (func $invoke_vi (param i32 i32)))
  (import "env" "invoke_iii" (func $invoke_iii (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $sp (export "__stack_pointer") (mut i32) (i32.const 4096))
  (table (export "__indirect_function_table") 4 funcref)
  (elem (i32.const 1) $thrower $add $exiter)
  (func $thrower (param i32)
    (global.set $sp (i32.sub (global.get $sp) (i32.const 256)))
    (i32.store (i32.const 0) (local.get 0))
    (call $unwind)
    unreachable)
  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $exiter (param i32) (call $exit (local.get 0)))
  (func (export "_start") {start})"#
    ))
}

#[test]
fn longjmp_unwinds_to_invoke_and_restores_the_stack_pointer() {
    let env = Env::new();
    // Exit 10 iff: the throw was recorded, sp is back at 4096, and a normal
    // invoke returns its callee's result.
    let p = env.write_wat(
        "sjlj.wasm",
        &sjlj_program(
            r#"(call $invoke_vi (i32.const 1) (i32.const 42))
    (if (i32.ne (i32.load (i32.const 0)) (i32.const 42)) (then (call $exit (i32.const 1))))
    (if (i32.ne (global.get $sp) (i32.const 4096)) (then (call $exit (i32.const 2))))
    (if (i32.ne (call $invoke_iii (i32.const 2) (i32.const 3) (i32.const 4)) (i32.const 7)) (then (call $exit (i32.const 3))))
    (call $exit (i32.const 10))"#,
        ),
    );
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(10), "{}", stderr(&out));

    // exit inside an invoked function still exits.
    let p = env.write_wat("sjlj-exit.wasm", &sjlj_program("(call $invoke_vi (i32.const 3) (i32.const 5)) (call $exit (i32.const 1))"));
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));

    // A null slot traps like a null function pointer.
    let p = env.write_wat("sjlj-null.wasm", &sjlj_program("(call $invoke_vi (i32.const 0) (i32.const 5))"));
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(139), "{}", stderr(&out));
    assert!(stderr(&out).contains("trap: indirect call to null"), "{}", stderr(&out));

    // longjmp with no invoke on the stack.
    let p = env.write_wat("sjlj-bare.wasm", &sjlj_program("(call $thrower (i32.const 1))"));
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(132), "{}", stderr(&out));
    assert!(stderr(&out).contains("longjmp with no setjmp to return to in function thrower"), "{}", stderr(&out));
}

#[test]
fn memory_limit() {
    // memory.grow past --max-memory fails (returns -1) instead of growing.
    let env = Env::new();
    let p = env.write_wat(
        "grow.wasm",
        &program(
            r#"(memory (export "memory") 1)
  (func (export "_start")
    (call $exit (i32.add (i32.const 100) (memory.grow (i32.const 4)))))"#,
        ),
    );
    let out = env.run(&["run", s(&p)]);
    assert_eq!(out.status.code(), Some(101), "grows by default: {}", stderr(&out));
    let out = env.run(&["run", "--max-memory", "131072", s(&p)]);
    assert_eq!(out.status.code(), Some(99), "refused at 2 pages: {}", stderr(&out));
}

/// `cat PATH`: opens `path`, copies it to stdout, exits 0; on an open
/// error exits with the errno.
fn cat_program(path: &str) -> String {
    program(&format!(
        r#"(memory (export "memory") 1)
  (data (i32.const 512) "{path}\00")
  (func (export "_start") (local $fd i32) (local $n i32)
    (local.set $fd (call $sys (i32.const {OPENAT}) (i32.const -100) (i32.const 512) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
    (if (i32.lt_s (local.get $fd) (i32.const 0)) (then (call $exit (i32.sub (i32.const 0) (local.get $fd)))))
    (loop $l
      (local.set $n (call $sys3 (i32.const {READ}) (local.get $fd) (i32.const 4096) (i32.const 4096)))
      (if (i32.gt_s (local.get $n) (i32.const 0)) (then
        (drop (call $sys3 (i32.const {WRITE}) (i32.const 1) (i32.const 4096) (local.get $n)))
        (br $l))))
    (call $exit (i32.const 0)))"#
    ))
}

/// Creates `path` (`O_WRONLY|O_CREAT|O_TRUNC`, 0644) holding `made\n`;
/// exits with the errno on failure.
fn create_program(path: &str) -> String {
    program(&format!(
        r#"(memory (export "memory") 1)
  (data (i32.const 512) "{path}\00")
  (data (i32.const 1024) "made\n")
  (func (export "_start") (local $fd i32)
    (local.set $fd (call $sys (i32.const {OPENAT}) (i32.const -100) (i32.const 512) (i32.const 577) (i32.const 420) (i32.const 0) (i32.const 0)))
    (if (i32.lt_s (local.get $fd) (i32.const 0)) (then (call $exit (i32.sub (i32.const 0) (local.get $fd)))))
    (drop (call $sys3 (i32.const {WRITE}) (local.get $fd) (i32.const 1024) (i32.const 5)))
    (call $exit (i32.const 0)))"#
    ))
}

const OPENAT: u32 = 56;
const ENOENT: i32 = 2;
const EROFS: i32 = 30;

#[test]
fn host_directories_read_write_and_readonly() {
    let env = Env::new();
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("in.txt"), b"from the host\n").unwrap();
    let mount = format!("{}:/mnt", s(host.path()));
    let mount_ro = format!("{}:/mnt:ro", s(host.path()));

    let cat = env.write_wat("cat.wasm", &cat_program("/mnt/in.txt"));
    let out = env.run(&["run", "--dir", &mount, s(&cat)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(out.stdout, b"from the host\n");

    // Relative to --cwd.
    let rel = env.write_wat("rel.wasm", &cat_program("in.txt"));
    let out = env.run(&["run", "--dir", &mount, "--cwd", "/mnt", s(&rel)]);
    assert_eq!(out.stdout, b"from the host\n", "{}", stderr(&out));

    let create = env.write_wat("create.wasm", &create_program("/mnt/new.txt"));
    let out = env.run(&["run", "--dir", &mount, s(&create)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(host.path().join("new.txt")).unwrap(), b"made\n");

    let create2 = env.write_wat("create2.wasm", &create_program("/mnt/other.txt"));
    let out = env.run(&["run", "--dir", &mount_ro, s(&create2)]);
    assert_eq!(out.status.code(), Some(EROFS), "{}", stderr(&out));
    assert!(!host.path().join("other.txt").exists());
    let out = env.run(&["run", "--dir", &mount_ro, s(&cat)]);
    assert_eq!(out.stdout, b"from the host\n", "reads work read-only: {}", stderr(&out));

    let out = env.run(&["run", "--cwd", "/nowhere", s(&cat)]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(stderr(&out), "wasmos: --cwd /nowhere: No such file or directory\n");
}

#[test]
fn host_symlinks_and_dotdot_stay_inside_the_guest_namespace() {
    let env = Env::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"TOP SECRET\n").unwrap();
    let host = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), host.path().join("abs")).unwrap();
    std::os::unix::fs::symlink("../../../../../../..", host.path().join("up")).unwrap();
    let outside_name = outside.path().file_name().unwrap().to_str().unwrap();
    let mount = format!("{}:/mnt", s(host.path()));
    // The absolute target resolves in the guest namespace, where it does
    // not exist; `..` above the mount root and through the link lands in
    // the guest root, not the host's.
    for path in [
        "/mnt/abs/secret".to_string(),
        format!("/mnt/up/{}/secret", &s(outside.path())[1..]),
        format!("/mnt/../{outside_name}/secret"),
        format!("/mnt/../../../..{}/secret", s(outside.path())),
    ] {
        let p = env.write_wat("esc.wasm", &cat_program(&path));
        let out = env.run(&["run", "--dir", &mount, s(&p)]);
        assert_eq!(out.status.code(), Some(ENOENT), "{path}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{path} escaped: {:?}", String::from_utf8_lossy(&out.stdout));
    }
    // A symlink inside the mount that stays inside works.
    std::fs::write(host.path().join("inside.txt"), b"ok\n").unwrap();
    std::os::unix::fs::symlink("/mnt/inside.txt", host.path().join("in-abs")).unwrap();
    let p = env.write_wat("in.wasm", &cat_program("/mnt/in-abs"));
    let out = env.run(&["run", "--dir", &mount, s(&p)]);
    assert_eq!(out.stdout, b"ok\n", "{}", stderr(&out));
}

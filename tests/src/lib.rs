//! Support for end-to-end tests and benchmarks: locating (and building once)
//! the `wasmos` and `wasmos-cc` binaries, compiling C programs both with
//! `wasmos-cc` and natively, and running them.
//!
//! The binaries come from the same cargo profile as the test executable;
//! the first caller runs `cargo build` for them, which is a no-op when they
//! are up to date.

pub mod fixtures;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `target/<profile>`, derived from the running executable
/// (`target/<profile>/deps/<test>` or `target/<profile>/<bench>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().expect("exe dir");
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.parent().expect("profile dir").to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

fn profile_flag() -> Option<&'static str> {
    match target_dir().file_name().and_then(|n| n.to_str()) {
        Some("release") => Some("--release"),
        _ => None,
    }
}

/// Builds `wasmos` and `wasmos-cc` (once per test process) and installs the
/// wrapper links next to them.
fn ensure_tools() -> &'static PathBuf {
    static TOOLS: OnceLock<PathBuf> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(workspace_root()).args([
            "build",
            "--quiet",
            "-p",
            "wasmos-host",
            "-p",
            "wasmos-cc",
            "-p",
            "cargo-wasmos",
            "--bins",
        ]);
        if let Some(p) = profile_flag() {
            cmd.arg(p);
        }
        let st = cmd.status().expect("running cargo build for wasmos and wasmos-cc");
        assert!(st.success(), "cargo build of wasmos / wasmos-cc failed");
        let dir = target_dir();
        let st = Command::new(dir.join("wasmos-cc")).arg("--install-links").arg(&dir).status().expect("wasmos-cc --install-links");
        assert!(st.success(), "wasmos-cc --install-links failed");
        dir
    })
}

/// Path of a wasmos tool (`wasmos`, `wasmos-cc`, `wasmos-ar`, ...).
pub fn tool(name: &str) -> PathBuf {
    ensure_tools().join(name)
}

/// A C source in `tests/c/`.
pub fn c_source(name: &str) -> PathBuf {
    workspace_root().join("tests/c").join(name)
}

/// Compiles C sources with `wasmos-cc` into `out`; panics with the compiler's
/// output on failure.
pub fn compile_wasm(sources: &[&Path], out: &Path, extra: &[&str]) {
    let o = Command::new(tool("wasmos-cc")).args(sources).args(extra).arg("-O2").arg("-o").arg(out).output().expect("running wasmos-cc");
    assert!(o.status.success(), "wasmos-cc failed for {sources:?}:\n{}", String::from_utf8_lossy(&o.stderr));
}

/// Compiles C sources natively with the host C compiler.
pub fn compile_native(sources: &[&Path], out: &Path, extra: &[&str]) {
    let cc = if Command::new("clang-19").arg("--version").stdout(Stdio::null()).status().is_ok() { "clang-19" } else { "cc" };
    let o = Command::new(cc).args(sources).args(extra).arg("-O2").arg("-o").arg(out).output().expect("running the native C compiler");
    assert!(o.status.success(), "native compile failed for {sources:?}:\n{}", String::from_utf8_lossy(&o.stderr));
}

/// Runs `wasmos run <opts...> <wasm> <args...>` with `stdin` as input.
pub fn run_wasmos(opts: &[&str], wasm: &Path, args: &[&str], stdin: &[u8]) -> Output {
    run_with_input(Command::new(tool("wasmos")).arg("run").args(opts).arg(wasm).args(args), stdin)
}

/// Runs a command feeding `stdin`, collecting its output.
pub fn run_with_input(cmd: &mut Command, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawning");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("waiting");
    let _ = feeder.join();
    out
}

/// The process exit code, or 128 + signal like a shell.
pub fn exit_code(o: &Output) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    o.status.code().unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0))
}

//! Bad inputs to `wasmos run`: each gives one clear line on stderr and a
//! non-zero exit.

use std::path::Path;

use wasm_encoder::Section;

use wasmos_tests::*;

fn hello(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("hello.c");
    std::fs::write(&src, "#include <stdio.h>\nint main(void){puts(\"hello\");return 0;}\n").unwrap();
    let wasm = dir.join("hello.wasm");
    compile_wasm(&[&src], &wasm, &[]);
    wasm
}

/// Copies a module, dropping the custom section `name`.
fn without_section(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut out = bytes[..8].to_vec();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.unwrap();
        if let Some((id, range)) = payload.as_section() {
            if matches!(&payload, wasmparser::Payload::CustomSection(c) if c.name() == name) {
                continue;
            }
            wasm_encoder::RawSection { id, data: &bytes[range] }.append_to(&mut out);
        }
    }
    out
}

fn one_line_error(o: &std::process::Output) -> String {
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "expected one line, got:\n{err}");
    err
}

#[test]
fn hello_runs() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = hello(dir.path());
    // Like cc, the linked program is executable (execve needs the x bit).
    use std::os::unix::fs::PermissionsExt;
    assert_ne!(std::fs::metadata(&wasm).unwrap().permissions().mode() & 0o111, 0);
    let o = run_wasmos(&[], &wasm, &[], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, b"hello\n");
}

#[test]
fn missing_abi_section() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(hello(dir.path())).unwrap();
    let stripped = dir.path().join("noabi.wasm");
    std::fs::write(&stripped, without_section(&bytes, "wasmos.abi")).unwrap();
    let err = one_line_error(&run_wasmos(&[], &stripped, &[], b""));
    assert!(err.contains("noabi.wasm") && err.contains("wasmos.abi"), "{err}");
}

#[test]
fn wrong_abi_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = without_section(&std::fs::read(hello(dir.path())).unwrap(), "wasmos.abi");
    // Append a custom section claiming ABI 99.
    let payload = 99u32.to_le_bytes();
    wasm_encoder::CustomSection { name: "wasmos.abi".into(), data: payload[..].into() }.append_to(&mut bytes);
    let f = dir.path().join("abi99.wasm");
    std::fs::write(&f, bytes).unwrap();
    let err = one_line_error(&run_wasmos(&[], &f, &[], b""));
    assert!(err.contains("99") && err.contains('1'), "{err}");
}

#[test]
fn corrupt_wasm() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(hello(dir.path())).unwrap();
    let n = bytes.len();
    bytes.truncate(n / 2);
    let f = dir.path().join("corrupt.wasm");
    std::fs::write(&f, bytes).unwrap();
    let err = one_line_error(&run_wasmos(&[], &f, &[], b""));
    assert!(err.contains("corrupt.wasm"), "{err}");
}

#[test]
fn not_wasm() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("script.sh");
    std::fs::write(&f, "#!/bin/sh\necho hi\n").unwrap();
    let err = one_line_error(&run_wasmos(&[], &f, &[], b""));
    assert!(err.contains("script.sh") && err.to_lowercase().contains("not a webassembly"), "{err}");
}

#[test]
fn missing_file() {
    let err = one_line_error(&run_wasmos(&[], Path::new("/nonexistent/prog.wasm"), &[], b""));
    assert!(err.contains("/nonexistent/prog.wasm") && err.contains("No such file"), "{err}");
}

#[test]
fn bad_dir_spec() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = hello(dir.path());
    let err = one_line_error(&run_wasmos(&["--dir", "/definitely/not/here:/x"], &wasm, &[], b""));
    assert!(err.contains("/definitely/not/here"), "{err}");
}

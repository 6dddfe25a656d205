//! `cargo wasmos sysroot` and `cargo wasmos run`, invoked the way cargo
//! invokes external subcommands (`cargo-wasmos wasmos ...`).

use std::process::Command;

use wasmos_tests::*;

#[test]
fn sysroot_print_path_points_at_a_built_sysroot() {
    let o = Command::new(tool("cargo-wasmos")).args(["wasmos", "sysroot", "--print-path"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let path = String::from_utf8(o.stdout).unwrap();
    let path = std::path::Path::new(path.trim());
    assert!(path.join("lib/libc.a").is_file() && path.join("lib/crt1.o").is_file());
    assert!(path.join("include/stdio.h").is_file());
}

#[test]
fn run_passes_arguments_options_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("p.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\n#include <stdlib.h>\nint main(int c,char**v){printf(\"%s %s\\n\", v[1], getenv(\"X\")); return 4;}\n",
    )
    .unwrap();
    let wasm = dir.path().join("p.wasm");
    compile_wasm(&[&src], &wasm, &[]);
    let o = Command::new(tool("cargo-wasmos")).args(["wasmos", "run", "--env", "X=y"]).arg(&wasm).arg("arg").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "arg y\n");
    assert_eq!(exit_code(&o), 4);
}

#[test]
fn unknown_verb_is_a_usage_error() {
    let o = Command::new(tool("cargo-wasmos")).args(["wasmos", "frobnicate"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("frobnicate"));
}

//! `wasmos run --strace` prints each syscall like strace.

use wasmos_tests::*;

#[test]
fn strace_shows_decoded_calls_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("t.c");
    std::fs::write(
        &src,
        r#"#include <fcntl.h>
#include <unistd.h>
int main(void) {
    open("/nonexistent", O_RDONLY);
    int fd = open("/tmp/f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(fd, "data\n", 5);
    close(fd);
    write(1, "out\n", 4);
    return 3;
}
"#,
    )
    .unwrap();
    let wasm = dir.path().join("t.wasm");
    compile_wasm(&[&src], &wasm, &[]);
    let o = run_wasmos(&["--strace"], &wasm, &[], b"");
    assert_eq!(exit_code(&o), 3);
    assert_eq!(o.stdout, b"out\n", "strace output stays off stdout");
    let err = String::from_utf8_lossy(&o.stderr);
    for line in [
        "openat(AT_FDCWD, \"/nonexistent\", O_RDONLY|O_LARGEFILE) = -1 ENOENT (No such file or directory)",
        "openat(AT_FDCWD, \"/tmp/f\", O_WRONLY|O_CREAT|O_TRUNC|O_LARGEFILE, 0644) = 3",
        "write(3, \"data\\n\", 5) = 5",
        "close(3) = 0",
        "write(1, \"out\\n\", 4) = 4",
        "exit_group(3)",
    ] {
        assert!(err.lines().any(|l| l.contains(line)), "missing {line:?} in:\n{err}");
    }
}

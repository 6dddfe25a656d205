//! dash 0.5.12, built from its pinned Debian source with the wasmos
//! toolchain (an autoconf cross build), runs scripts the way the host's
//! dash does. Only builtins here; pipelines and subshells (fork) are in
//! `tests/fork.rs`.

use std::process::Command;

use wasmos_tests::fixtures;
use wasmos_tests::*;

const SCRIPT: &str = r#"
echo hi
x=$((6 * 7)); echo "x=$x"
for i in 1 2 3; do printf '%s-' "$i"; done; echo
f() { echo "func $1 $#"; return 3; }
f one two; echo "status $?"
case abc in a*) echo matched ;; *) echo no ;; esac
set -- a 'b c' d; echo "$# $2"
s="hello world"; echo "${s#hello } ${#s} ${s%world}x"
while read line; do echo "read: $line"; done
test -d /tmp && echo "tmp is a dir"
[ 3 -gt 2 ] && echo yes || echo no
unset x; echo "x=${x:-default}"
cd /tmp && pwd
echo done > /tmp/out.txt; read back < /tmp/out.txt; echo "file: $back"
trap 'echo bye' EXIT
exit 4
"#;

#[test]
fn dash_runs_builtin_scripts_like_the_host_dash() {
    let dash = fixtures::dash();
    let input = b"first\nsecond line\n";
    let native = run_with_input(Command::new("dash").arg("-c").arg(SCRIPT).env_clear(), input);
    let ours = run_wasmos(&[], &dash, &["-c", SCRIPT], input);
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&native.stdout),
        "stderr: {}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert_eq!(exit_code(&ours), 4);
    assert_eq!(exit_code(&native), 4);
}

#[test]
fn dash_reports_syntax_errors_with_status_2() {
    let dash = fixtures::dash();
    let ours = run_wasmos(&[], &dash, &["-c", "if then fi"], b"");
    assert_eq!(exit_code(&ours), 2);
    assert!(String::from_utf8_lossy(&ours.stderr).contains("Syntax error"), "{}", String::from_utf8_lossy(&ours.stderr));
}

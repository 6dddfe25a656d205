//! wasmos vs native, side by side in one run. Prints a table of medians and
//! ratios. Not a test: figures vary by machine; targets are printed for
//! reference and recorded in docs/benchmarks.md.
//!
//! Run: `cargo bench -p wasmos-tests` (builds the tools in release first).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use wasmos_tests::*;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// First whitespace-separated numbers of a program's stdout.
fn numbers(out: &[u8]) -> Vec<f64> {
    String::from_utf8_lossy(out).split_whitespace().filter_map(|w| w.parse().ok()).collect()
}

fn run_native(exe: &Path, args: &[&str]) -> Vec<f64> {
    let o = Command::new(exe).args(args).output().expect("native run");
    assert!(o.status.success());
    numbers(&o.stdout)
}

fn run_wasm(wasm: &Path, opts: &[&str], args: &[&str]) -> Vec<f64> {
    let o = Command::new(tool("wasmos")).arg("run").args(opts).arg(wasm).args(args).output().expect("wasmos run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    numbers(&o.stdout)
}

struct Row {
    name: &'static str,
    unit: &'static str,
    native: f64,
    wasmos: f64,
    target: &'static str,
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let build = |name: &str| {
        let src = c_source(&format!("{name}.c"));
        let wasm = dir.path().join(format!("{name}.wasm"));
        let native = dir.path().join(name);
        compile_wasm(&[&src], &wasm, &[]);
        compile_native(&[&src], &native, &[]);
        (wasm, native)
    };
    let mut rows = Vec::new();

    let (wasm, native) = build("bench_hello");
    run_wasm(&wasm, &[], &[]); // warm the module cache
    let time = |f: &dyn Fn()| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64() * 1e3
    };
    let n: Vec<f64> = (0..30).map(|_| time(&|| drop(run_native(&native, &[])))).collect();
    let w: Vec<f64> = (0..30).map(|_| time(&|| drop(run_wasm(&wasm, &[], &[])))).collect();
    rows.push(Row { name: "hello start (warm cache)", unit: "ms", native: median(n), wasmos: median(w), target: "<= 5 ms" });

    let (wasm, native) = build("bench_getppid");
    let n: Vec<f64> = (0..5).map(|_| run_native(&native, &["2000000"])[0]).collect();
    let w: Vec<f64> = (0..5).map(|_| run_wasm(&wasm, &[], &["2000000"])[0]).collect();
    rows.push(Row { name: "getppid() round trip", unit: "ns", native: median(n), wasmos: median(w), target: "<= 200 ns" });

    let (wasm, native) = build("bench_fileio");
    let tmp = tempfile::tempdir().unwrap();
    let nat: Vec<Vec<f64>> = (0..5).map(|_| run_native(&native, &[tmp.path().to_str().unwrap()])).collect();
    let was: Vec<Vec<f64>> = (0..5).map(|_| run_wasm(&wasm, &[], &["/tmp"])).collect();
    rows.push(Row {
        name: "4 KiB write to /tmp",
        unit: "ns",
        native: median(nat.iter().map(|v| v[0]).collect()),
        wasmos: median(was.iter().map(|v| v[0]).collect()),
        target: "-",
    });
    rows.push(Row {
        name: "4 KiB read from /tmp",
        unit: "ns",
        native: median(nat.iter().map(|v| v[1]).collect()),
        wasmos: median(was.iter().map(|v| v[1]).collect()),
        target: "-",
    });

    let (wasm, native) = build("bench_cpu");
    let n: Vec<f64> = (0..3).map(|_| run_native(&native, &[])[0]).collect();
    let w: Vec<f64> = (0..3).map(|_| run_wasm(&wasm, &[], &[])[0]).collect();
    let quiet: Vec<f64> = (0..3).map(|_| run_wasm(&wasm, &["--no-interrupt"], &[])[0]).collect();
    let native = median(n);
    // Default: epoch checks at loop headers so kill/^C/alarm reach busy
    // code; --no-interrupt trades that for raw speed.
    rows.push(Row { name: "CPU-bound (interruptible)", unit: "ms", native, wasmos: median(w), target: "<= 1.3x native" });
    rows.push(Row { name: "CPU-bound (--no-interrupt)", unit: "ms", native, wasmos: median(quiet), target: "<= 1.3x native" });

    // The process model.
    let (wasm, native) = build("bench_fork");
    let n: Vec<f64> = (0..5).map(|_| run_native(&native, &["50"])[0]).collect();
    let w: Vec<f64> = (0..5).map(|_| run_wasm(&wasm, &[], &["50"])[0]).collect();
    rows.push(Row { name: "fork+exit+wait, 16 MiB heap", unit: "us", native: median(n), wasmos: median(w), target: "<= 2 ms" });

    let (wasm, native) = build("bench_exec");
    // The guest execs argv[0]: mount its directory at the same path.
    let here = format!("{}:{}", dir.path().display(), dir.path().display());
    let n: Vec<f64> = (0..5).map(|_| run_native(&native, &[])[0]).collect();
    let w: Vec<f64> = (0..5).map(|_| run_wasm(&wasm, &["--dir", &here], &[])[0]).collect();
    rows.push(Row { name: "exec of a cached binary", unit: "us", native: median(n), wasmos: median(w), target: "<= 5 ms" });

    let (wasm, native) = build("bench_pipe");
    let n: Vec<f64> = (0..3).map(|_| run_native(&native, &[])[0]).collect();
    let w: Vec<f64> = (0..3).map(|_| run_wasm(&wasm, &[], &[])[0]).collect();
    rows.push(Row { name: "pipe, 64 KiB writes (MB/s)", unit: "  ", native: median(n), wasmos: median(w), target: ">= 1000 MB/s" });

    let dash = wasmos_tests::fixtures::dash();
    let script = "i=0; while [ $i -lt 1000 ]; do x=$(echo x); i=$((i + 1)); done";
    let n: Vec<f64> = (0..3).map(|_| time(&|| assert!(Command::new("dash").args(["-c", script]).status().unwrap().success()))).collect();
    let w: Vec<f64> = (0..3)
        .map(|_| time(&|| assert!(Command::new(tool("wasmos")).arg("run").arg(&dash).args(["-c", script]).status().unwrap().success())))
        .collect();
    rows.push(Row { name: "dash: 1000 x $(echo x)", unit: "ms", native: median(n), wasmos: median(w), target: "-" });

    println!("{:<32} {:>12} {:>12} {:>8}  target", "benchmark (median)", "native", "wasmos", "ratio");
    for r in rows {
        println!(
            "{:<32} {:>9.2} {:<2} {:>9.2} {:<2} {:>7.2}x  {}",
            r.name,
            r.native,
            r.unit,
            r.wasmos,
            r.unit,
            r.wasmos / r.native,
            r.target
        );
    }
}

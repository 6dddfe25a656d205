//! Builds the sysroot once (shared by every test, via `ensure`) and drives
//! the real `wasmos-cc` binary: compiles and links C programs, then checks
//! the modules' imports, exports and ABI section with wasmparser. Running
//! them needs the host runtime, so these tests stop at the module's shape.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use wasmos_kernel::abi::{self, errno, flags, layout, syscalls};
use wasmparser::{Parser, Payload, TypeRef, ValType};

const CC: &str = env!("CARGO_BIN_EXE_wasmos-cc");

fn sysroot() -> &'static Path {
    static SYSROOT: OnceLock<PathBuf> = OnceLock::new();
    SYSROOT.get_or_init(|| {
        let opts = wasmos_sysroot::Options::default();
        wasmos_sysroot::ensure(&opts).unwrap_or_else(|e| panic!("building the sysroot: {e}")).path
    })
}

fn c_source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c").join(name)
}

/// Runs the multi-call binary as `tool` (e.g. "wasmos-cc") in `dir`.
fn run(dir: &Path, tool: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(CC);
    cmd.current_dir(dir).env("WASMOS_SYSROOT", sysroot());
    if tool != "wasmos-cc" {
        cmd.args(["--tool", tool]);
    }
    cmd.args(args).output().expect("running wasmos-cc")
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A function type: (params, results).
type Sig = (Vec<ValType>, Vec<ValType>);

/// What the tests check about a linked module.
#[derive(Default, Debug)]
struct Module {
    imports: Vec<(String, String, Option<Sig>)>,
    exports: Vec<String>,
    abi_sections: Vec<Vec<u8>>,
    names: Vec<u8>,
}

impl Module {
    fn read(path: &Path) -> Module {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        wasmparser::Validator::new().validate_all(&bytes).unwrap_or_else(|e| panic!("{}: invalid: {e}", path.display()));
        let mut m = Module::default();
        let mut types = Vec::new();
        for payload in Parser::new(0).parse_all(&bytes) {
            match payload.unwrap() {
                Payload::TypeSection(r) => {
                    for ft in r.into_iter_err_on_gc_types() {
                        let ft = ft.unwrap();
                        types.push((ft.params().to_vec(), ft.results().to_vec()));
                    }
                }
                Payload::ImportSection(r) => {
                    for imp in r.into_imports() {
                        let imp = imp.unwrap();
                        let ty = match imp.ty {
                            TypeRef::Func(i) => Some(types[i as usize].clone()),
                            _ => None,
                        };
                        m.imports.push((imp.module.into(), imp.name.into(), ty));
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        m.exports.push(e.unwrap().name.into());
                    }
                }
                Payload::CustomSection(c) if c.name() == abi::ABI_SECTION => m.abi_sections.push(c.data().to_vec()),
                Payload::CustomSection(c) if c.name() == "name" => m.names = c.data().to_vec(),
                _ => {}
            }
        }
        m
    }

    /// A function of that exact name is in the name section.
    fn has_function(&self, name: &str) -> bool {
        let mut needle = vec![name.len() as u8];
        needle.extend_from_slice(name.as_bytes());
        self.names.windows(needle.len()).any(|w| w == needle)
    }

    fn assert_wasmos_executable(&self) {
        assert_eq!(self.abi_sections, vec![abi::abi_section_payload().to_vec()], "one wasmos.abi section");
        let i32x7 = (vec![ValType::I32; 7], vec![ValType::I32]);
        assert!(
            self.imports.iter().any(|(m, n, t)| m == abi::IMPORT_MODULE && n == abi::SYSCALL_IMPORT && t.as_ref() == Some(&i32x7)),
            "imports wasmos.syscall (i32 x7) -> i32: {:?}",
            self.imports
        );
        for (module, name, _) in &self.imports {
            let allowed = module == abi::IMPORT_MODULE || (module == "env" && name.starts_with("invoke_"));
            assert!(allowed, "unexpected import {module}.{name}");
        }
        for e in ["memory", "_start", "__indirect_function_table", "__stack_pointer"] {
            assert!(self.exports.iter().any(|x| x == e), "exports {e}: {:?}", self.exports);
        }
    }
}

fn link(dir: &Path, src: &str, extra: &[&str]) -> (Module, String) {
    let out_path = dir.join(format!("{src}.wasm"));
    let mut args = vec![c_source(src).to_str().unwrap().to_string(), "-o".into(), out_path.to_str().unwrap().into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(run(dir, "wasmos-cc", &argv));
    (Module::read(&out_path), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// clang names `main` by its signature; crt1 calls `__main_argc_argv`, and
/// libc's weak fallbacks reach the other forms. (wasm-ld's name section
/// calls `__main_argc_argv` "main", so the checks use the other names.)
#[test]
fn all_three_main_forms_link_cleanly() {
    let d = tempfile::tempdir().unwrap();
    // (source, __original_main present: user's main(void); __main_void
    // present: libc's fallback calling a 3-argument main)
    for (src, original_main, libc_main_void) in
        [("main_argc_argv.c", false, false), ("main_void.c", true, false), ("main_envp.c", false, true)]
    {
        let (m, stderr) = link(d.path(), src, &["-O2"]);
        assert!(stderr.is_empty(), "{src}: no warnings (e.g. signature mismatch), got: {stderr}");
        m.assert_wasmos_executable();
        assert_eq!(m.has_function("__original_main"), original_main, "{src}");
        assert_eq!(m.has_function("__main_void"), libc_main_void, "{src}");
        assert!(m.has_function("_start") && m.has_function("__libc_start_main"), "{src}");
        assert!(!m.imports.iter().any(|(m, _, _)| m == "env"), "{src}: no setjmp, no invoke_*");
    }
}

#[test]
fn nested_setjmp_longjmp_lower_to_invoke_imports() {
    let d = tempfile::tempdir().unwrap();
    for opt in ["-O0", "-O2"] {
        let (m, stderr) = link(d.path(), "setjmp_nested.c", &[opt]);
        assert!(stderr.is_empty(), "{opt}: {stderr}");
        m.assert_wasmos_executable();
        assert!(m.imports.iter().any(|(md, n, _)| md == "env" && n.starts_with("invoke_")), "{opt}: {:?}", m.imports);
        assert!(
            m.imports
                .iter()
                .any(|(md, n, t)| md == abi::IMPORT_MODULE && n == abi::LONGJMP_IMPORT && t.as_ref() == Some(&(vec![], vec![]))),
            "{opt}: imports wasmos.longjmp_unwind () -> ()"
        );
        for f in ["__wasm_setjmp", "__wasm_setjmp_test", "emscripten_longjmp", "siglongjmp", "__wasmos_sigsetjmp_save"] {
            assert!(m.has_function(f), "{opt}: {f}");
        }
    }
}

#[test]
fn static_archive_links_with_l_and_big_l() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let (add, mul) = (c_source("sum_add.c"), c_source("sum_mul.c"));
    // several sources with -c and no -o: one object each, named after it
    ok(run(dir, "wasmos-cc", &["-c", "-O2", add.to_str().unwrap(), mul.to_str().unwrap()]));
    assert!(dir.join("sum_add.o").is_file() && dir.join("sum_mul.o").is_file());
    std::fs::create_dir(dir.join("lib")).unwrap();
    ok(run(dir, "wasmos-ar", &["rcs", "lib/libsum.a", "sum_add.o", "sum_mul.o"]));
    ok(run(dir, "wasmos-ranlib", &["lib/libsum.a"]));
    let nm = ok(run(dir, "wasmos-nm", &["lib/libsum.a"]));
    let nm = String::from_utf8_lossy(&nm.stdout);
    assert!(nm.contains("T sum_add") && nm.contains("T sum_mul"), "{nm}");
    let main = c_source("sum_main.c");
    ok(run(dir, "wasmos-cc", &[main.to_str().unwrap(), "-Llib", "-lsum", "-o", "sum.wasm"]));
    let m = Module::read(&dir.join("sum.wasm"));
    m.assert_wasmos_executable();
    assert!(m.has_function("sum_add") && m.has_function("sum_mul"));
    // -c -o names the object
    ok(run(dir, "wasmos-cc", &["-c", main.to_str().unwrap(), "-o", "custom.o"]));
    assert_eq!(&std::fs::read(dir.join("custom.o")).unwrap()[..4], b"\0asm");
}

#[test]
fn process_functions_use_the_fork_imports() {
    let d = tempfile::tempdir().unwrap();
    let (m, stderr) = link(d.path(), "process.c", &["-O2"]);
    assert!(stderr.is_empty(), "{stderr}");
    m.assert_wasmos_executable();
    for name in [abi::FORK_IMPORT, abi::VFORK_IMPORT] {
        assert!(
            m.imports.iter().any(|(md, n, t)| md == abi::IMPORT_MODULE && n == name && t.as_ref() == Some(&(vec![], vec![ValType::I32]))),
            "imports wasmos.{name} () -> i32: {:?}",
            m.imports
        );
    }
}

#[test]
fn source_from_stdin_with_x_c_links() {
    let d = tempfile::tempdir().unwrap();
    let mut child = Command::new(CC)
        .current_dir(d.path())
        .env("WASMOS_SYSROOT", sysroot())
        .args(["-x", "c", "-", "-o", "stdin.wasm"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"int main(void) { return 0; }\n").unwrap();
    assert!(child.wait().unwrap().success());
    Module::read(&d.path().join("stdin.wasm")).assert_wasmos_executable();
}

#[test]
fn linking_to_dev_null_works() {
    let d = tempfile::tempdir().unwrap();
    let src = c_source("main_void.c");
    ok(run(d.path(), "wasmos-cc", &[src.to_str().unwrap(), "-o", "/dev/null"]));
}

#[test]
fn undefined_symbols_fail_to_link() {
    let d = tempfile::tempdir().unwrap();
    let src = c_source("undefined.c");
    let out = run(d.path(), "wasmos-cc", &[src.to_str().unwrap(), "-o", "u.wasm"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("undefined symbol: wasmos_test_not_defined_anywhere"), "{stderr}");
    assert!(!d.path().join("u.wasm").exists());
}

#[test]
fn preprocess_only_sees_our_predefines_and_headers() {
    let d = tempfile::tempdir().unwrap();
    let src = c_source("predefined.c");
    let out = ok(run(d.path(), "wasmos-cc", &["-E", src.to_str().unwrap()]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("WASMOS_PREDEFINES_OK"));
    let include = sysroot().join("include/stdio.h");
    assert!(text.contains(include.to_str().unwrap()), "stdio.h comes from the sysroot");
}

#[test]
fn clang_intrinsic_headers_still_work() {
    let d = tempfile::tempdir().unwrap();
    let src = c_source("simd.c");
    ok(run(d.path(), "wasmos-cc", &["-msimd128", "-c", src.to_str().unwrap(), "-o", "simd.o"]));
}

#[test]
fn type_model_is_ilp32_with_64_bit_time() {
    let d = tempfile::tempdir().unwrap();
    let src = c_source("types.c");
    ok(run(d.path(), "wasmos-cc", &["-c", src.to_str().unwrap(), "-o", "types.o"]));
}

/// The installed headers agree with the Rust ABI tables, checked by the C
/// compiler itself.
#[test]
fn installed_headers_match_the_abi_tables() {
    let mut c = String::from(
        "#define _GNU_SOURCE\n#include <errno.h>\n#include <fcntl.h>\n#include <stddef.h>\n\
         #include <sys/stat.h>\n#include <sys/syscall.h>\n#include <signal.h>\n",
    );
    for (name, value, _) in errno::ERRNO_TABLE {
        c.push_str(&format!("_Static_assert({name} == {value}, \"{name}\");\n"));
    }
    for (name, value) in flags::FCNTL_H {
        c.push_str(&format!("_Static_assert({name} == {value}u, \"{name}\");\n"));
    }
    for sc in syscalls::SYSCALLS {
        c.push_str(&format!("_Static_assert(SYS_{} == {}, \"{}\");\n", sc.name, sc.nr, sc.name));
    }
    for (nr, name) in flags::SIGNAL_NAMES.iter().enumerate().skip(1) {
        c.push_str(&format!("_Static_assert({name} == {nr}, \"{name}\");\n"));
    }
    c.push_str(&format!("_Static_assert(sizeof(struct stat) == {}, \"stat\");\n", layout::STAT.size));
    for f in layout::STAT.fields.iter().filter(|f| f.decl.contains("st_")) {
        let member = f.decl.rsplit(' ').next().unwrap().split('[').next().unwrap();
        c.push_str(&format!("_Static_assert(offsetof(struct stat, {member}) == {}, \"{member}\");\n", f.offset));
    }
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("abi.c"), c).unwrap();
    ok(run(d.path(), "wasmos-cc", &["-c", "abi.c", "-o", "abi.o"]));
}

#[test]
fn shared_is_refused_with_a_reason() {
    let d = tempfile::tempdir().unwrap();
    let src = c_source("sum_add.c");
    let out = run(d.path(), "wasmos-cc", &["-shared", src.to_str().unwrap(), "-o", "libsum.so"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("-shared is not supported"));
}

#[test]
fn queries_answer_like_cc() {
    let d = tempfile::tempdir().unwrap();
    let q = |a: &str| String::from_utf8(ok(run(d.path(), "wasmos-cc", &[a])).stdout).unwrap();
    assert_eq!(q("-dumpmachine"), "wasm32-unknown-linux-musl\n");
    assert_eq!(q("-print-sysroot").trim(), sysroot().to_str().unwrap());
    assert_eq!(q("-print-file-name=crt1.o").trim(), sysroot().join("lib/crt1.o").to_str().unwrap());
    assert_eq!(q("-print-file-name=libnothing.a"), "libnothing.a\n");
    assert!(Path::new(q("-print-libgcc-file-name").trim()).is_file());
    assert!(q("-print-prog-name=ld").contains("wasm-ld"));
    assert!(q("-print-search-dirs").contains(&format!("libraries: ={}", sysroot().join("lib").display())));
    assert!(q("--version").starts_with("wasmos-cc "));
    assert!(!q("-dumpversion").trim().is_empty());
}

#[test]
fn strip_keeps_the_abi_section() {
    let d = tempfile::tempdir().unwrap();
    link(d.path(), "main_void.c", &[]);
    ok(run(d.path(), "wasmos-strip", &["main_void.c.wasm"]));
    let m = Module::read(&d.path().join("main_void.c.wasm"));
    assert!(m.names.is_empty(), "stripped");
    m.assert_wasmos_executable();
}

#[test]
fn a_warm_ensure_is_fast_and_agrees_with_locate() {
    let path = sysroot();
    let opts = wasmos_sysroot::Options::default();
    let start = std::time::Instant::now();
    let again = wasmos_sysroot::ensure(&opts).unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(1), "{:?}", start.elapsed());
    assert_eq!(again.path, path);
    assert_eq!(wasmos_sysroot::locate(&opts).unwrap().path, path);
    for f in ["crt1.o", "libc.a", "libm.a", "libpthread.a", "libclang_rt.builtins-wasm32.a"] {
        assert!(path.join("lib").join(f).is_file(), "{f}");
    }
}

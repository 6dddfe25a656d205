//! `wasmos-cc` / `wasmos-c++`: a `cc` that drives clang and wasm-ld
//! against the wasmos sysroot.

use std::path::{Path, PathBuf};
use std::process::Command;

use wasmos_sysroot::{flags, Llvm, Sysroot};

use crate::abi_section;
use crate::args::{self, Action, Parsed, Query};
use crate::error::{Error, Result};

/// Shadow-stack size of every program (wasm-ld's default is 64 KiB, too
/// small for ordinary C programs).
pub const STACK_SIZE: u32 = 1 << 20;

/// wasm-ld flags for an executable, placed before the user's arguments
/// so that their own `-Wl,…` wins (wasm-ld takes the last value).
///
/// - `--stack-first`: the stack sits below the data, so an overflow traps
///   at address 0 instead of silently corrupting globals.
/// - `--export-table`, `--export=__stack_pointer`: the host's `invoke_*`
///   (setjmp/longjmp) calls table entries and restores the stack pointer.
///
/// Unresolved symbols remain errors as with `ld` on Linux; the only imports
/// allowed are those declared with an import module (our `wasmos.*`, and the
/// `env.invoke_*` LLVM's SjLj lowering creates).
pub fn link_flags() -> Vec<String> {
    vec![
        "-Wl,--stack-first".into(),
        format!("-Wl,-z,stack-size={STACK_SIZE}"),
        "-Wl,--export-table".into(),
        "-Wl,--export=__stack_pointer".into(),
    ]
}

/// C or C++.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    C,
    Cxx,
}

/// Where the sysroot and clang's own headers are.
pub struct Toolchain {
    pub llvm: Llvm,
    pub sysroot: Sysroot,
    pub resource_dir: PathBuf,
}

impl Toolchain {
    /// The sysroot from `WASMOS_SYSROOT`, else the cache, building it on
    /// first use: a `cc` that works out of the box is worth one minute
    /// once, and concurrent first calls (parallel make, tests) share one
    /// build through the sysroot's lock.
    pub fn discover() -> Result<Toolchain> {
        let llvm = Llvm::discover()?;
        let sysroot = match std::env::var_os("WASMOS_SYSROOT").filter(|v| !v.is_empty()) {
            Some(p) => {
                let path = PathBuf::from(p);
                if !Sysroot::is_complete(&path) {
                    return Err(Error::BadSysrootEnv { path });
                }
                Sysroot { path }
            }
            None => {
                let opts = wasmos_sysroot::Options { llvm: Some(llvm.clone()), progress: true, ..Default::default() };
                match wasmos_sysroot::locate(&opts) {
                    Ok(s) => s,
                    Err(wasmos_sysroot::Error::NotBuilt { path }) => {
                        eprintln!("wasmos-cc: building the wasmos sysroot at {} (first use)", path.display());
                        wasmos_sysroot::ensure(&opts)?
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let resource_dir = llvm.resource_dir()?;
        Ok(Toolchain { llvm, sysroot, resource_dir })
    }

    /// Flags every compile gets: target, predefines, header search (musl's
    /// headers before clang's, whose `stddef.h` & co. would clash; clang's
    /// intrinsics like `wasm_simd128.h` stay reachable after them).
    pub fn compile_flags(&self, lang: Lang, p: &Parsed) -> Vec<String> {
        let mut f: Vec<String> = flags::TARGET_FLAGS.iter().chain(flags::USER_DEFINES).map(|s| s.to_string()).collect();
        if lang == Lang::Cxx {
            // No libc++ in the sysroot: plain C++ only, no exceptions.
            f.push("--driver-mode=g++".into());
            f.push("-fno-exceptions".into());
        }
        f.push("-nostdinc".into());
        if !p.nostdinc {
            f.push("-isystem".into());
            f.push(self.sysroot.include_dir().display().to_string());
            f.push("-idirafter".into());
            f.push(self.resource_dir.join("include").display().to_string());
        }
        f
    }

    /// The full clang command line for `p`.
    pub fn command_line(&self, lang: Lang, p: &Parsed) -> Vec<String> {
        let mut a = self.compile_flags(lang, p);
        match p.action {
            Action::Compile | Action::Passthrough | Action::Query(_) => a.extend(p.forward.iter().cloned()),
            Action::Relocatable => {
                a.push(format!("-fuse-ld={}", self.llvm.wasm_ld.display()));
                a.push("-nostdlib".into());
                a.extend(p.forward.iter().cloned());
            }
            Action::Link => {
                // Linking only objects leaves our compile flags unused; like
                // `cc`, say nothing about that.
                a.push("-Wno-unused-command-line-argument".into());
                a.push(format!("-fuse-ld={}", self.llvm.wasm_ld.display()));
                // We add start files and libraries ourselves, in order.
                a.push("-nostdlib".into());
                a.extend(link_flags());
                if !p.nostdlib && !p.nostartfiles {
                    a.push(self.sysroot.crt1().display().to_string());
                }
                a.extend(p.forward.iter().cloned());
                // A user `-x c` would otherwise apply to our archives too.
                a.push("-x".into());
                a.push("none".into());
                a.push(format!("-L{}", self.sysroot.lib_dir().display()));
                if !p.nostdlib && !p.nodefaultlibs {
                    a.push("-lc".into());
                    a.push(self.sysroot.builtins().display().to_string());
                }
            }
        }
        a
    }

    /// Answers a `-print-*` / `-dump*` / `--version` query.
    pub fn answer(&self, q: &Query) -> Result<String> {
        let lib = self.sysroot.lib_dir();
        Ok(match q {
            Query::DumpMachine => format!("{}\n", flags::TRIPLE),
            Query::PrintSysroot => format!("{}\n", self.sysroot.path.display()),
            Query::PrintLibgcc => format!("{}\n", self.sysroot.builtins().display()),
            Query::PrintSearchDirs => format!(
                "install: {}/\nprograms: ={}\nlibraries: ={}\n",
                self.resource_dir.display(),
                self.llvm.clang.parent().unwrap_or(Path::new("")).display(),
                lib.display()
            ),
            Query::PrintFileName(name) => {
                let p = lib.join(name);
                // gcc prints the bare name when it does not have the file.
                if p.exists() {
                    format!("{}\n", p.display())
                } else {
                    format!("{name}\n")
                }
            }
            Query::PrintProgName(name) => {
                let tool = match name.as_str() {
                    "ld" | "wasm-ld" | "ld.lld" => Some(&self.llvm.wasm_ld),
                    "ar" => Some(&self.llvm.ar),
                    "ranlib" => Some(&self.llvm.ranlib),
                    "nm" => Some(&self.llvm.nm),
                    "strip" => Some(&self.llvm.strip),
                    "objcopy" => Some(&self.llvm.objcopy),
                    "cc" | "clang" | "as" | "cpp" => Some(&self.llvm.clang),
                    _ => None,
                };
                format!("{}\n", tool.map_or_else(|| name.clone(), |t| t.display().to_string()))
            }
            Query::Version => {
                let out = Command::new(&self.llvm.clang)
                    .arg("--version")
                    .output()
                    .map_err(|e| Error::Spawn { tool: self.llvm.clang.clone(), source: e })?;
                format!(
                    "wasmos-cc {} (wasmos ABI {}, target {})\n{}",
                    env!("CARGO_PKG_VERSION"),
                    wasmos_kernel::abi::ABI_VERSION,
                    flags::TRIPLE,
                    String::from_utf8_lossy(&out.stdout)
                )
            }
            Query::DumpVersion => {
                let out = Command::new(&self.llvm.clang)
                    .arg("-dumpversion")
                    .output()
                    .map_err(|e| Error::Spawn { tool: self.llvm.clang.clone(), source: e })?;
                String::from_utf8_lossy(&out.stdout).into_owned()
            }
        })
    }
}

/// Runs the compiler driver; returns the exit code to exit with.
pub fn run(lang: Lang, user_args: &[String]) -> Result<i32> {
    let p = args::parse(user_args);
    if p.shared {
        return Err(Error::SharedUnsupported);
    }
    // -dumpmachine needs nothing: keep it instant (configure asks early).
    if p.action == Action::Query(Query::DumpMachine) {
        println!("{}", flags::TRIPLE);
        return Ok(0);
    }
    let tc = Toolchain::discover()?;
    if let Action::Query(q) = &p.action {
        print!("{}", tc.answer(q)?);
        return Ok(0);
    }
    let argv = tc.command_line(lang, &p);
    if std::env::var_os("WASMOS_CC_VERBOSE").is_some() || p.verbose {
        eprintln!("wasmos-cc: {} {}", tc.llvm.clang.display(), argv.join(" "));
    }
    let status = Command::new(&tc.llvm.clang).args(&argv).status().map_err(|e| Error::Spawn { tool: tc.llvm.clang.clone(), source: e })?;
    let code = status.code().unwrap_or(1);
    let output = Path::new(p.output.as_deref().unwrap_or("a.out"));
    // Only regular files: build systems link to /dev/null to test flags.
    if code == 0 && p.action == Action::Link && output.metadata().is_ok_and(|m| m.is_file()) {
        abi_section::stamp_file(output)?;
        rewrite_for_fork(output)?;
    }
    Ok(code)
}

/// Instruments a binary that imports `wasmos.fork`/`wasmos.vfork` so that it
/// can fork (`wasmos-rewrite`); others, like configure's conftests, are left
/// alone after a look at their import section.
fn rewrite_for_fork(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let rewrite_err = |source| Error::Rewrite { path: path.to_path_buf(), source };
    if !wasmos_rewrite::imports_fork(&bytes).map_err(rewrite_err)? {
        return Ok(());
    }
    let out = wasmos_rewrite::rewrite(&bytes).map_err(rewrite_err)?;
    crate::replace::replace_file(path, &out.wasm, "fork")
}

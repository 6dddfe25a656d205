//! One sysroot build: lay out musl + overlay + generated headers in a work
//! dir, compile every unit in parallel, archive, install into `out`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::{Error, Result};
use crate::llvm::Llvm;
use crate::units::{self, Unit};
use crate::{flags, headers, source, OVERLAY_FILES};

/// Libraries musl installs empty: everything lives in libc.a, but build
/// systems pass `-lm -lpthread …` and expect them to exist.
pub const EMPTY_LIBS: &[&str] = &["m", "rt", "pthread", "crypt", "util", "xnet", "resolv", "dl"];

pub(crate) struct Job<'a> {
    pub llvm: &'a Llvm,
    pub musl_src: Option<&'a Path>,
    pub cache: &'a Path,
    pub jobs: usize,
    pub progress: bool,
    pub generated: &'a [headers::Generated],
    pub builtins: &'a Path,
    pub manifest: String,
}

/// Builds into `work` (scratch) and installs the finished sysroot at `out`.
pub(crate) fn build(job: &Job, work: &Path, out: &Path) -> Result<()> {
    let tree = work.join("musl");
    source::materialize(job.musl_src, job.cache, &tree)?;
    write_overlay(&tree, job.generated)?;
    generate_obj_headers(&tree)?;

    let units = units::units(&tree)?;
    compile_all(job, &tree, &units)?;

    let lib = out.join("lib");
    mkdir(&lib)?;
    archive(job.llvm, &tree, units.iter().filter(|u| !u.crt), &lib.join("libc.a"))?;
    for u in units.iter().filter(|u| u.crt) {
        let name = u.obj.file_name().unwrap();
        copy(&tree.join(&u.obj), &lib.join(name))?;
    }
    for name in EMPTY_LIBS {
        archive(job.llvm, &tree, std::iter::empty(), &lib.join(format!("lib{name}.a")))?;
    }
    copy(job.builtins, &lib.join("libclang_rt.builtins-wasm32.a"))?;
    install_headers(&tree, &out.join("include"))?;
    write(&out.join(crate::MANIFEST), &job.manifest)
}

fn mkdir(p: &Path) -> Result<()> {
    fs::create_dir_all(p).map_err(|e| Error::io(p, e))
}

fn write(p: &Path, data: impl AsRef<[u8]>) -> Result<()> {
    if let Some(parent) = p.parent() {
        mkdir(parent)?;
    }
    fs::write(p, data).map_err(|e| Error::io(p, e))
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        mkdir(parent)?;
    }
    fs::copy(from, to).map(|_| ()).map_err(|e| Error::io(from, e))
}

/// Our overlay on top of musl (replacing files of the same name), then the
/// headers generated from the ABI tables.
fn write_overlay(tree: &Path, generated: &[headers::Generated]) -> Result<()> {
    for (rel, bytes) in OVERLAY_FILES {
        write(&tree.join(rel), bytes)?;
    }
    for g in generated {
        write(&tree.join(g.path), &g.text)?;
    }
    Ok(())
}

/// musl's generated headers: `bits/alltypes.h` (via musl's own sed script,
/// as its Makefile does), `bits/syscall.h`, and `version.h`.
fn generate_obj_headers(tree: &Path) -> Result<()> {
    let out = Command::new("sed")
        .current_dir(tree)
        .args(["-f", "tools/mkalltypes.sed", "arch/wasm32/bits/alltypes.h.in", "include/alltypes.h.in"])
        .output()
        .map_err(|e| Error::Spawn { tool: "sed".into(), source: e })?;
    if !out.status.success() {
        return Err(Error::ToolFailed {
            tool: "sed".into(),
            what: "-f tools/mkalltypes.sed".into(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    write(&tree.join("obj/include/bits/alltypes.h"), &out.stdout)?;
    let syscall_in = tree.join("arch/wasm32/bits/syscall.h.in");
    let text = fs::read_to_string(&syscall_in).map_err(|e| Error::io(&syscall_in, e))?;
    write(&tree.join("obj/include/bits/syscall.h"), headers::syscall_h(&text))?;
    write(&tree.join("obj/src/internal/version.h"), format!("#define VERSION \"{}\"\n", source::MUSL_VERSION))
}

fn compile_args(unit: &Unit) -> Vec<String> {
    let mut args: Vec<String> = flags::TARGET_FLAGS.iter().chain(flags::LIBC_CFLAGS).map(|s| s.to_string()).collect();
    if unit.crt {
        args.push("-DCRT".into());
    }
    args.extend(flags::LIBC_INCLUDES.iter().map(|i| format!("-I{i}")));
    args.push("-c".into());
    args.push(unit.src.to_string_lossy().into_owned());
    args.push("-o".into());
    args.push(unit.obj.to_string_lossy().into_owned());
    args
}

/// Compiles every unit with `jobs` threads; reports every failing file.
fn compile_all(job: &Job, tree: &Path, units: &[Unit]) -> Result<()> {
    let bar = if job.progress {
        ProgressBar::with_draw_target(Some(units.len() as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("building wasmos sysroot {bar:30} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for u in units {
        mkdir(&tree.join(u.obj.parent().unwrap()))?;
    }
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..job.jobs.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(unit) = units.get(i) else { break };
                bar.set_message(unit.src.display().to_string());
                if let Err(e) = compile_one(job.llvm, tree, unit) {
                    failures.lock().unwrap().push(e);
                }
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|e| e.to_string());
    match failures.len() {
        0 => Ok(()),
        1 => Err(failures.pop().unwrap()),
        count => {
            let files = failures
                .iter()
                .map(|e| match e {
                    Error::Compile { file, .. } => file.display().to_string(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n  ");
            Err(Error::CompileMany { count, files, first: Box::new(failures.remove(0)) })
        }
    }
}

fn compile_one(llvm: &Llvm, tree: &Path, unit: &Unit) -> Result<()> {
    let out = Command::new(&llvm.clang)
        .current_dir(tree)
        .args(compile_args(unit))
        .output()
        .map_err(|e| Error::Spawn { tool: llvm.clang.clone(), source: e })?;
    if !out.status.success() {
        return Err(Error::Compile {
            file: unit.src.clone(),
            clang: llvm.clang.clone(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(())
}

fn archive<'a>(llvm: &Llvm, tree: &Path, members: impl Iterator<Item = &'a Unit>, to: &Path) -> Result<()> {
    let objs: Vec<PathBuf> = members.map(|u| tree.join(&u.obj)).collect();
    let out =
        Command::new(&llvm.ar).arg("rcs").arg(to).args(&objs).output().map_err(|e| Error::Spawn { tool: llvm.ar.clone(), source: e })?;
    if !out.status.success() {
        return Err(Error::ToolFailed {
            tool: llvm.ar.clone(),
            what: format!("rcs {}", to.display()),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(())
}

/// musl's `install-headers`: `include/**`, then `bits/` from the generic
/// arch, our arch (winning), and the generated `obj/include/bits`.
fn install_headers(tree: &Path, dest: &Path) -> Result<()> {
    copy_headers(&tree.join("include"), dest, 2)?;
    for dir in ["arch/generic/bits", "arch/wasm32/bits", "obj/include/bits"] {
        copy_headers(&tree.join(dir), &dest.join("bits"), 1)?;
    }
    Ok(())
}

/// Copies `*.h` up to `depth` directory levels deep.
fn copy_headers(from: &Path, to: &Path, depth: usize) -> Result<()> {
    for entry in fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let p = entry.map_err(|e| Error::io(from, e))?.path();
        let name = p.file_name().unwrap();
        if p.is_dir() && depth > 1 {
            copy_headers(&p, &to.join(name), depth - 1)?;
        } else if p.extension().is_some_and(|e| e == "h") {
            copy(&p, &to.join(name))?;
        }
    }
    Ok(())
}

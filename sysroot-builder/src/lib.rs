//! The wasmos C sysroot: musl 1.2.3 built for wasm32 with our arch overlay.
//!
//! [`ensure`] returns a ready sysroot, building it first if needed; [`locate`]
//! only looks. A sysroot lives at `<cache>/sysroot/<key>/` where `<key>` is a
//! hash of every input: the pinned musl tarball, the overlay (embedded in
//! this crate at compile time, see `build.rs`), the headers generated from
//! `wasmos_kernel::abi`, the flags, the clang version and compiler-rt. So a
//! warm call costs a few file stats, and builds with different inputs never
//! clobber each other. Concurrent callers serialize on a lock file; the
//! build happens in a temp dir renamed into place when complete.
//!
//! ```text
//! <sysroot>/include/            musl headers + generated bits/
//! <sysroot>/lib/crt1.o          _start (argv/envp from the kernel)
//! <sysroot>/lib/libc.a          everything else
//! <sysroot>/lib/lib{m,pthread,…}.a   empty, as musl installs them
//! <sysroot>/lib/libclang_rt.builtins-wasm32.a
//! <sysroot>/MANIFEST            what it was built from
//! ```

mod builder;
pub mod cli;
mod error;
pub mod flags;
pub mod headers;
mod key;
pub mod llvm;
pub mod source;
pub mod units;

use std::fs;
use std::path::{Path, PathBuf};

pub use error::{Error, Result};
pub use llvm::Llvm;

include!(concat!(env!("OUT_DIR"), "/overlay_files.rs"));

/// File written last into a finished sysroot.
pub const MANIFEST: &str = "MANIFEST";

/// How to find or build a sysroot. `Options::default()` reads the
/// environment for everything.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Compile jobs; 0 means available parallelism.
    pub jobs: usize,
    /// Rebuild even if a sysroot with this key exists.
    pub force: bool,
    /// A musl-1.2.3 tarball or extracted tree, instead of downloading.
    pub musl_src: Option<PathBuf>,
    /// Cache root; default from [`cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// LLVM tools; default [`Llvm::discover`].
    pub llvm: Option<Llvm>,
    /// Show a progress bar on stderr (only drawn on a terminal).
    pub progress: bool,
}

/// A built sysroot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sysroot {
    pub path: PathBuf,
}

impl Sysroot {
    pub fn include_dir(&self) -> PathBuf {
        self.path.join("include")
    }
    pub fn lib_dir(&self) -> PathBuf {
        self.path.join("lib")
    }
    pub fn crt1(&self) -> PathBuf {
        self.lib_dir().join("crt1.o")
    }
    pub fn libc(&self) -> PathBuf {
        self.lib_dir().join("libc.a")
    }
    pub fn builtins(&self) -> PathBuf {
        self.lib_dir().join("libclang_rt.builtins-wasm32.a")
    }
    /// A directory is a usable sysroot once its manifest exists.
    pub fn is_complete(path: &Path) -> bool {
        path.join(MANIFEST).is_file()
    }
}

/// The cache root: `$WASMOS_CACHE_DIR`, else `$XDG_CACHE_HOME/wasmos`, else
/// `~/.cache/wasmos`.
pub fn cache_dir() -> Result<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    cache_dir_from(env("WASMOS_CACHE_DIR"), env("XDG_CACHE_HOME"), env("HOME"))
}

fn cache_dir_from(wasmos: Option<PathBuf>, xdg: Option<PathBuf>, home: Option<PathBuf>) -> Result<PathBuf> {
    wasmos.or_else(|| xdg.map(|d| d.join("wasmos"))).or_else(|| home.map(|h| h.join(".cache/wasmos"))).ok_or(Error::NoCacheDir)
}

/// Everything needed to name a sysroot without building it.
struct Plan {
    llvm: Llvm,
    cache: PathBuf,
    generated: Vec<headers::Generated>,
    builtins: PathBuf,
    clang_version: String,
    key: String,
}

impl Plan {
    fn new(opts: &Options) -> Result<Plan> {
        let llvm = match &opts.llvm {
            Some(l) => l.clone(),
            None => Llvm::discover()?,
        };
        let cache = match &opts.cache_dir {
            Some(c) => c.clone(),
            None => cache_dir()?,
        };
        let clang_version = llvm.clang_version(&cache)?;
        let builtins = builtins_path(&llvm, &cache)?;
        let builtins_bytes = fs::read(&builtins).map_err(|e| Error::io(&builtins, e))?;
        let generated = headers::all();
        let key = key::compute(&key::Inputs {
            overlay: OVERLAY_FILES,
            generated: &generated,
            clang_version: &clang_version,
            builtins: &builtins_bytes,
        });
        Ok(Plan { llvm, cache, generated, builtins, clang_version, key })
    }

    fn dir(&self) -> PathBuf {
        // 32 hex digits name it; the full key is in the manifest.
        self.cache.join("sysroot").join(&self.key[..32])
    }

    fn manifest(&self) -> String {
        let mut m = format!(
            "key = {}\nmusl = {} sha256:{}\nwasmos_abi = {}\ntarget_flags = {}\nlibc_cflags = {}\nclang = {}\n",
            self.key,
            source::MUSL_VERSION,
            source::MUSL_SHA256,
            wasmos_kernel::abi::ABI_VERSION,
            flags::TARGET_FLAGS.join(" "),
            flags::LIBC_CFLAGS.join(" "),
            self.clang_version.lines().next().unwrap_or(""),
        );
        for (path, why) in units::EXCLUDED {
            m.push_str(&format!("excluded = {path}: {why}\n"));
        }
        m
    }
}

/// Where compiler-rt's builtins are; the answer is cached next to the clang
/// version so a warm call does not spawn clang for `-print-resource-dir`.
fn builtins_path(llvm: &Llvm, cache: &Path) -> Result<PathBuf> {
    let memo = cache.join("tools").join("builtins.path");
    if let Ok(text) = fs::read_to_string(&memo) {
        if let Some((clang, path)) = text.split_once('\n') {
            if Path::new(clang) == llvm.clang && Path::new(path).is_file() {
                return Ok(PathBuf::from(path));
            }
        }
    }
    let path = llvm.builtins_archive()?;
    if fs::create_dir_all(memo.parent().unwrap()).is_ok() {
        let tmp = memo.with_extension(format!("tmp{}", std::process::id()));
        if fs::write(&tmp, format!("{}\n{}", llvm.clang.display(), path.display())).is_ok() {
            let _ = fs::rename(&tmp, &memo);
        }
    }
    Ok(path)
}

/// The sysroot for the current inputs, if it has been built.
pub fn locate(opts: &Options) -> Result<Sysroot> {
    let plan = Plan::new(opts)?;
    let dir = plan.dir();
    if Sysroot::is_complete(&dir) {
        Ok(Sysroot { path: dir })
    } else {
        Err(Error::NotBuilt { path: dir })
    }
}

/// The sysroot for the current inputs, built first if missing (or if
/// `opts.force`). Safe to call from many processes at once: one builds,
/// the others wait on the lock and then find it.
pub fn ensure(opts: &Options) -> Result<Sysroot> {
    let plan = Plan::new(opts)?;
    let dir = plan.dir();
    if !opts.force && Sysroot::is_complete(&dir) {
        return Ok(Sysroot { path: dir });
    }
    let parent = dir.parent().unwrap();
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let lock_path = dir.with_extension("lock");
    let lock = fs::File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    // Someone else may have finished it while we waited.
    if !opts.force && Sysroot::is_complete(&dir) {
        return Ok(Sysroot { path: dir });
    }
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    clean_stale(parent, &name)?;
    let work = parent.join(format!(".build-{name}-{}", std::process::id()));
    let out = work.join("sysroot");
    let jobs = if opts.jobs == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { opts.jobs };
    let job = builder::Job {
        llvm: &plan.llvm,
        musl_src: opts.musl_src.as_deref(),
        cache: &plan.cache,
        jobs,
        progress: opts.progress,
        generated: &plan.generated,
        builtins: &plan.builtins,
        manifest: plan.manifest(),
    };
    let result = builder::build(&job, &work, &out).and_then(|()| {
        if dir.exists() {
            // --force: move the old one aside first; rename over a
            // non-empty directory is not allowed.
            let old = work.join("old");
            fs::rename(&dir, &old).map_err(|e| Error::io(&dir, e))?;
        }
        fs::rename(&out, &dir).map_err(|e| Error::io(&dir, e))
    });
    if std::env::var_os("WASMOS_SYSROOT_KEEP_BUILD").is_none() {
        let _ = fs::remove_dir_all(&work);
    }
    result.map(|()| Sysroot { path: dir })
}

/// Removes work dirs of earlier builds of this key that died midway (we
/// hold the lock, so none is in progress).
fn clean_stale(parent: &Path, name: &str) -> Result<()> {
    let prefix = format!(".build-{name}-");
    for entry in fs::read_dir(parent).map_err(|e| Error::io(parent, e))? {
        let entry = entry.map_err(|e| Error::io(parent, e))?;
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_dir_precedence() {
        let p = |s: &str| Some(PathBuf::from(s));
        assert_eq!(cache_dir_from(p("/w"), p("/x"), p("/h")).unwrap(), PathBuf::from("/w"));
        assert_eq!(cache_dir_from(None, p("/x"), p("/h")).unwrap(), PathBuf::from("/x/wasmos"));
        assert_eq!(cache_dir_from(None, None, p("/h")).unwrap(), PathBuf::from("/h/.cache/wasmos"));
        assert!(matches!(cache_dir_from(None, None, None), Err(Error::NoCacheDir)));
    }

    #[test]
    fn overlay_is_embedded_with_relative_paths() {
        let paths: Vec<&str> = OVERLAY_FILES.iter().map(|(p, _)| *p).collect();
        for must in ["crt/wasm32/crt1.c", "include/setjmp.h", "arch/wasm32/syscall_arch.h", "arch/wasm32/bits/alltypes.h.in"] {
            assert!(paths.contains(&must), "{must} embedded");
        }
        for p in paths {
            assert!(!p.starts_with('/') && !p.contains(".."), "{p}");
        }
        // Generated headers are never also hand-written in the overlay.
        for g in headers::all() {
            assert!(!OVERLAY_FILES.iter().any(|(p, _)| *p == g.path), "{} is generated", g.path);
        }
    }

    #[test]
    fn missing_sysroot_error_says_what_to_run() {
        let e = Error::NotBuilt { path: "/c/sysroot/k".into() }.to_string();
        assert!(e.contains("/c/sysroot/k") && e.contains("cargo wasmos sysroot"), "{e}");
    }
}

#[cfg(test)]
mod abi_agreement {
    use wasmos_kernel::abi::flags;

    /// `#define NAME VALUE` values of one overlay header.
    fn defines(rel: &str) -> Vec<(String, u64)> {
        let (_, bytes) = super::OVERLAY_FILES.iter().find(|(p, _)| *p == rel).unwrap_or_else(|| panic!("{rel} not in the overlay"));
        std::str::from_utf8(bytes)
            .unwrap()
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                (w.next()? == "#define").then_some(())?;
                let (name, val) = (w.next()?, w.next()?);
                let v = match val.strip_prefix("0x") {
                    Some(h) => u64::from_str_radix(h, 16).ok()?,
                    None => val.parse().ok()?,
                };
                Some((name.to_string(), v))
            })
            .collect()
    }

    /// The hand-written `bits/signal.h` must agree with the kernel's ABI.
    #[test]
    fn signal_h_matches_the_abi_flags() {
        let d = defines("arch/wasm32/bits/signal.h");
        let get = |n: &str| d.iter().find(|(k, _)| k == n).unwrap_or_else(|| panic!("{n} not defined")).1;
        for (name, v) in [
            ("SA_NOCLDSTOP", flags::SA_NOCLDSTOP),
            ("SA_NOCLDWAIT", flags::SA_NOCLDWAIT),
            ("SA_SIGINFO", flags::SA_SIGINFO),
            ("SA_RESTORER", flags::SA_RESTORER),
            ("SA_ONSTACK", flags::SA_ONSTACK),
            ("SA_RESTART", flags::SA_RESTART),
            ("SA_NODEFER", flags::SA_NODEFER),
            ("SA_RESETHAND", flags::SA_RESETHAND),
        ] {
            assert_eq!(get(name), v as u64, "{name}");
        }
    }
}

//! Finding the LLVM tools (clang, wasm-ld, llvm-ar, …) and their version.
//!
//! Order: `WASMOS_CLANG` (path of clang; the other tools are looked up next
//! to it), `WASMOS_LLVM_DIR` (a directory holding the tools), `clang-19` &c.
//! on `PATH`, then `/usr/lib/llvm-19/bin/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::Error;

/// The LLVM major version the overlay and flags are written for.
pub const LLVM_MAJOR: u32 = 19;

/// What to tell a user without clang.
pub const INSTALL_HINT: &str = "apt-get install -y clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32";

/// Paths of the LLVM tools wasmos drives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Llvm {
    pub clang: PathBuf,
    pub wasm_ld: PathBuf,
    pub ar: PathBuf,
    pub ranlib: PathBuf,
    pub nm: PathBuf,
    pub strip: PathBuf,
    pub objcopy: PathBuf,
}

impl Llvm {
    /// Finds the tools from the environment (see the module docs).
    pub fn discover() -> Result<Llvm, Error> {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        Self::discover_with(env("WASMOS_CLANG"), env("WASMOS_LLVM_DIR"), std::env::var_os("PATH"))
    }

    /// [`Llvm::discover`] with the environment passed in (for tests).
    pub fn discover_with(clang: Option<PathBuf>, llvm_dir: Option<PathBuf>, path: Option<std::ffi::OsString>) -> Result<Llvm, Error> {
        if let Some(clang) = clang {
            if !clang.is_file() {
                return Err(Error::ToolMissing { tool: "clang".into(), searched: format!("WASMOS_CLANG={}", clang.display()) });
            }
            // Tools sit next to clang; fall back to the usual search for
            // anything that is not there (e.g. clang in /usr/bin, lld elsewhere).
            let dir = clang.parent().map(Path::to_path_buf).unwrap_or_default();
            let mut llvm = Self::from_dir_or_path(Some(&dir), path.as_deref())?;
            llvm.clang = clang;
            return Ok(llvm);
        }
        if let Some(dir) = llvm_dir {
            return Self::from_dir_or_path(Some(&dir), None);
        }
        Self::from_dir_or_path(None, path.as_deref())
    }

    fn from_dir_or_path(dir: Option<&Path>, path: Option<&std::ffi::OsStr>) -> Result<Llvm, Error> {
        let find = |name: &str| find_tool(name, dir, path);
        Ok(Llvm {
            clang: find("clang")?,
            wasm_ld: find("wasm-ld")?,
            ar: find("llvm-ar")?,
            ranlib: find("llvm-ranlib")?,
            nm: find("llvm-nm")?,
            strip: find("llvm-strip")?,
            objcopy: find("llvm-objcopy")?,
        })
    }

    /// clang's `--version` text; cached on disk keyed by the binary's path,
    /// size and mtime so a warm `ensure` does not spawn clang.
    pub fn clang_version(&self, cache_dir: &Path) -> Result<String, Error> {
        let meta = std::fs::metadata(&self.clang).map_err(|e| Error::io(&self.clang, e))?;
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
        let id = format!("{}\n{}\n{}", self.clang.display(), meta.len(), mtime);
        let file = cache_dir.join("tools").join(format!("clang-{}.version", &hex::encode(Sha256::digest(&id))[..16]));
        if let Ok(cached) = std::fs::read_to_string(&file) {
            if let Some(version) = cached.strip_prefix(&format!("{id}\n")) {
                return Ok(version.to_string());
            }
        }
        let out = Command::new(&self.clang).arg("--version").output().map_err(|e| Error::Spawn { tool: self.clang.clone(), source: e })?;
        if !out.status.success() {
            return Err(Error::ToolFailed {
                tool: self.clang.clone(),
                what: "--version".into(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        let version = String::from_utf8_lossy(&out.stdout).into_owned();
        // Best effort: a read-only cache only costs a clang spawn next time.
        if std::fs::create_dir_all(file.parent().unwrap()).is_ok() {
            let tmp = file.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, format!("{id}\n{version}")).is_ok() {
                let _ = std::fs::rename(&tmp, &file);
            }
        }
        Ok(version)
    }

    /// clang's resource directory (`…/lib/clang/19`), holding its own
    /// headers (`wasm_simd128.h`, `stddef.h`, …).
    pub fn resource_dir(&self) -> Result<PathBuf, Error> {
        // clang derives it from its real path (`<prefix>/bin/clang` →
        // `<prefix>/lib/clang/<major>`); doing the same spares a spawn on
        // every wasmos-cc call. Ask clang only if that guess is wrong.
        if let Ok(real) = std::fs::canonicalize(&self.clang) {
            if let Some(prefix) = real.parent().and_then(Path::parent) {
                let guess = prefix.join("lib/clang").join(LLVM_MAJOR.to_string());
                if guess.join("include/stddef.h").is_file() {
                    return Ok(guess);
                }
            }
        }
        let out = Command::new(&self.clang)
            .arg("-print-resource-dir")
            .output()
            .map_err(|e| Error::Spawn { tool: self.clang.clone(), source: e })?;
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || dir.is_empty() {
            return Err(Error::ToolFailed {
                tool: self.clang.clone(),
                what: "-print-resource-dir".into(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        Ok(PathBuf::from(dir))
    }

    /// The compiler-rt builtins archive for wasm32 shipped with clang
    /// (Debian: `libclang-rt-19-dev-wasm32`).
    pub fn builtins_archive(&self) -> Result<PathBuf, Error> {
        let name = "libclang_rt.builtins-wasm32.a";
        let mut candidates = Vec::new();
        if let Ok(res) = self.resource_dir() {
            candidates.push(res.join("lib/wasi").join(name));
            candidates.push(res.join("lib/wasm32-unknown-unknown").join(name));
            candidates.push(res.join("lib/wasm32-unknown-wasi/libclang_rt.builtins.a"));
        }
        candidates.push(PathBuf::from(format!("/usr/lib/llvm-{LLVM_MAJOR}/lib/clang/{LLVM_MAJOR}/lib/wasi/{name}")));
        candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| Error::ToolMissing {
            tool: name.into(),
            searched: candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        })
    }
}

/// `name-19` or `name` in `dir`, else on `PATH`, else in `/usr/lib/llvm-19/bin`.
fn find_tool(name: &str, dir: Option<&Path>, path: Option<&std::ffi::OsStr>) -> Result<PathBuf, Error> {
    let versioned = format!("{name}-{LLVM_MAJOR}");
    let mut searched = Vec::new();
    let mut dirs: Vec<PathBuf> = dir.map(Path::to_path_buf).into_iter().collect();
    if let Some(p) = path {
        dirs.extend(std::env::split_paths(p));
        dirs.push(PathBuf::from(format!("/usr/lib/llvm-{LLVM_MAJOR}/bin")));
    }
    // Prefer the versioned name anywhere on the search path over an
    // unversioned one, which may be another LLVM.
    for candidate in [&versioned, &name.to_string()] {
        for d in &dirs {
            let p = d.join(candidate);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    for d in &dirs {
        searched.push(d.display().to_string());
    }
    Err(Error::ToolMissing { tool: name.into(), searched: searched.join(":") })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_llvm_dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for t in ["clang", "wasm-ld", "llvm-ar", "llvm-ranlib", "llvm-nm", "llvm-strip", "llvm-objcopy"] {
            std::fs::write(d.path().join(t), "").unwrap();
        }
        d
    }

    #[test]
    fn llvm_dir_is_searched() {
        let d = fake_llvm_dir();
        let llvm = Llvm::discover_with(None, Some(d.path().into()), None).unwrap();
        assert_eq!(llvm.clang, d.path().join("clang"));
        assert_eq!(llvm.ar, d.path().join("llvm-ar"));
    }

    #[test]
    fn missing_clang_names_the_tool_and_install_hint() {
        let d = tempfile::tempdir().unwrap();
        let err = Llvm::discover_with(None, Some(d.path().into()), None).unwrap_err().to_string();
        assert!(err.contains("clang"), "{err}");
        assert!(err.contains(INSTALL_HINT), "{err}");
    }

    #[test]
    fn wasmos_clang_must_exist() {
        let err = Llvm::discover_with(Some("/nonexistent/clang".into()), None, None).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/clang"), "{err}");
    }
}

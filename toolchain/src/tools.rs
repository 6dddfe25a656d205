//! The multi-call binary's personalities and the binutils wrappers.

use std::path::Path;
use std::process::Command;

use wasmos_kernel::abi::ABI_SECTION;
use wasmos_sysroot::Llvm;

use crate::driver::{self, Lang};
use crate::error::{Error, Result};

/// What this invocation of the binary is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Cc,
    Cxx,
    Ar,
    Ranlib,
    Nm,
    Strip,
}

impl Tool {
    /// Link names, as installed by `--install-links`.
    pub const NAMES: &'static [&'static str] = &["wasmos-cc", "wasmos-c++", "wasmos-ar", "wasmos-ranlib", "wasmos-nm", "wasmos-strip"];

    /// From a program name (`/usr/bin/wasmos-ar`, `wasmos-c++.exe`, `ar`).
    pub fn from_name(name: &str) -> Option<Tool> {
        let base = Path::new(name).file_name()?.to_str()?;
        let base = base.strip_suffix(".exe").unwrap_or(base);
        let short = base.strip_prefix("wasmos-").unwrap_or(base);
        Some(match short {
            "cc" | "gcc" | "clang" => Tool::Cc,
            "c++" | "g++" | "clang++" | "cxx" => Tool::Cxx,
            "ar" => Tool::Ar,
            "ranlib" => Tool::Ranlib,
            "nm" => Tool::Nm,
            "strip" => Tool::Strip,
            _ => return None,
        })
    }
}

/// Runs `tool` with `args` (argv without argv[0]); returns the exit code.
pub fn run(tool: Tool, args: &[String]) -> Result<i32> {
    match tool {
        Tool::Cc => driver::run(Lang::C, args),
        Tool::Cxx => driver::run(Lang::Cxx, args),
        Tool::Ar | Tool::Ranlib | Tool::Nm | Tool::Strip => {
            let llvm = Llvm::discover()?;
            let (program, extra): (&Path, &[&str]) = match tool {
                Tool::Ar => (&llvm.ar, &[]),
                Tool::Ranlib => (&llvm.ranlib, &[]),
                Tool::Nm => (&llvm.nm, &[]),
                // Stripping must never drop the ABI stamp the runtime checks.
                _ => (&llvm.strip, &[]),
            };
            let mut cmd = Command::new(program);
            if tool == Tool::Strip {
                cmd.arg(format!("--keep-section={ABI_SECTION}"));
            }
            cmd.args(extra).args(args);
            let status = cmd.status().map_err(|e| Error::Spawn { tool: program.to_path_buf(), source: e })?;
            Ok(status.code().unwrap_or(1))
        }
    }
}

/// Creates every tool name in `dir` as a symlink to `exe` (relative when
/// `exe` is in `dir`, as in `target/<profile>/`). Symlinks, not hard links,
/// so that rebuilding `exe` updates every name.
pub fn install_links(exe: &Path, dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let exe = std::fs::canonicalize(exe).map_err(|e| Error::io(exe, e))?;
    let mut made = Vec::new();
    for name in Tool::NAMES {
        let link = dir.join(name);
        // The binary itself, or a link already resolving to it.
        if std::fs::canonicalize(&link).ok().as_deref() == Some(exe.as_path()) {
            made.push(link);
            continue;
        }
        if link.symlink_metadata().is_ok() {
            std::fs::remove_file(&link).map_err(|e| Error::io(&link, e))?;
        }
        let same_dir = std::fs::canonicalize(dir).ok().as_deref() == exe.parent();
        let target = if same_dir { Path::new(exe.file_name().unwrap()) } else { exe.as_path() };
        std::os::unix::fs::symlink(target, &link).map_err(|e| Error::io(&link, e))?;
        made.push(link);
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_tools() {
        assert_eq!(Tool::from_name("/x/y/wasmos-cc"), Some(Tool::Cc));
        assert_eq!(Tool::from_name("wasmos-c++"), Some(Tool::Cxx));
        assert_eq!(Tool::from_name("wasmos-ar.exe"), Some(Tool::Ar));
        assert_eq!(Tool::from_name("wasmos-ranlib"), Some(Tool::Ranlib));
        assert_eq!(Tool::from_name("wasmos-nm"), Some(Tool::Nm));
        assert_eq!(Tool::from_name("wasmos-strip"), Some(Tool::Strip));
        assert_eq!(Tool::from_name("wasmos-frob"), None);
        for n in Tool::NAMES {
            assert!(Tool::from_name(n).is_some(), "{n}");
        }
    }

    #[test]
    fn install_links_creates_every_name_idempotently() {
        let d = tempfile::tempdir().unwrap();
        let exe = d.path().join("real-binary");
        std::fs::write(&exe, "x").unwrap();
        let bin = d.path().join("bin");
        let made = install_links(&exe, &bin).unwrap();
        assert_eq!(made.len(), Tool::NAMES.len());
        install_links(&exe, &bin).unwrap();
        for n in Tool::NAMES {
            assert_eq!(std::fs::read(bin.join(n)).unwrap(), b"x");
        }
        // a rebuilt binary is seen through every link
        std::fs::remove_file(&exe).unwrap();
        std::fs::write(&exe, "y").unwrap();
        assert_eq!(std::fs::read(bin.join("wasmos-ar")).unwrap(), b"y");
        // links next to the binary are relative
        install_links(&exe, d.path()).unwrap();
        assert_eq!(std::fs::read_link(d.path().join("wasmos-nm")).unwrap(), Path::new("real-binary"));
        // the binary itself, named like a tool, is left alone
        let named = bin.join("wasmos-cc");
        std::fs::remove_file(&named).unwrap();
        std::fs::write(&named, "z").unwrap();
        install_links(&named, &bin).unwrap();
        assert_eq!(std::fs::read(&named).unwrap(), b"z");
        assert!(!named.symlink_metadata().unwrap().file_type().is_symlink());
    }
}

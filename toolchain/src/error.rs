//! Errors of the wrappers; each names the file or tool involved.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sysroot(#[from] wasmos_sysroot::Error),

    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("could not run {}: {source}; install LLVM with `{}`", tool.display(), wasmos_sysroot::llvm::INSTALL_HINT)]
    Spawn { tool: PathBuf, source: std::io::Error },

    #[error("-shared is not supported: wasmos links every program statically (there are no shared libraries); build a static archive with wasmos-ar instead")]
    SharedUnsupported,

    #[error("{}: the linker output is not a wasm module, cannot add the wasmos.abi section", path.display())]
    NotWasm { path: PathBuf },

    #[error("{}: {source}", path.display())]
    Rewrite { path: PathBuf, source: wasmos_rewrite::RewriteError },

    #[error("WASMOS_SYSROOT={}: not a wasmos sysroot (no {} there)", path.display(), wasmos_sysroot::MANIFEST)]
    BadSysrootEnv { path: PathBuf },

    #[error("unknown tool {name:?}: expected one of {}", crate::tools::Tool::NAMES.join(", "))]
    UnknownTool { name: String },

    #[error("argument {arg:?} is not valid UTF-8")]
    NonUtf8Arg { arg: String },

    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub(crate) fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io { path: path.as_ref().to_path_buf(), source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

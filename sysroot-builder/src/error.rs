//! The error type of the sysroot builder. Every variant names the file, path
//! or tool involved, because the user has to act on it.

use std::path::{Path, PathBuf};

use crate::llvm::INSTALL_HINT;
use crate::source::{MUSL_SHA256, MUSL_URLS};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("LLVM tool `{tool}` not found (searched {searched}); install it with `{INSTALL_HINT}`")]
    ToolMissing { tool: String, searched: String },

    #[error("could not run {}: {source}; install LLVM with `{INSTALL_HINT}`", tool.display())]
    Spawn { tool: PathBuf, source: std::io::Error },

    #[error("{} {what} failed:\n{stderr}", tool.display())]
    ToolFailed { tool: PathBuf, what: String, stderr: String },

    #[error("{} has sha256 {actual}, but musl 1.2.3 must have sha256 {expected}; refusing it", file.display())]
    HashMismatch { file: PathBuf, expected: String, actual: String },

    #[error("--musl-src {}: {reason}", path.display())]
    BadMuslSrc { path: PathBuf, reason: String },

    #[error(
        "could not obtain the musl 1.2.3 source:\n{tried}\nDownload it yourself from {} (or {}), \
         check that its sha256 is {MUSL_SHA256}, and pass it with `--musl-src PATH` \
         (or put it at {})",
        MUSL_URLS[0], MUSL_URLS[1], cache_file.display()
    )]
    NoMuslSource { tried: String, cache_file: PathBuf },

    #[error("extracting {}: {source}", file.display())]
    Extract { file: PathBuf, source: std::io::Error },

    #[error("compiling {} failed ({}):\n{stderr}", file.display(), clang.display())]
    Compile { file: PathBuf, clang: PathBuf, stderr: String },

    #[error("{count} musl files failed to compile:\n  {files}\nthe first: {first}")]
    CompileMany { count: usize, files: String, first: Box<Error> },

    #[error("the wasmos sysroot is not built at {}; run `cargo wasmos sysroot` (or `wasmos-sysroot`)", path.display())]
    NotBuilt { path: PathBuf },

    #[error("no cache directory: set WASMOS_CACHE_DIR, XDG_CACHE_HOME or HOME")]
    NoCacheDir,
}

impl Error {
    pub(crate) fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io { path: path.as_ref().to_path_buf(), source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

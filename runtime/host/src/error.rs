//! Errors the runtime reports before a program runs. Each one renders as a
//! single line naming the file or option at fault; the CLI prefixes
//! `wasmos: `.

use std::io;

use wasmos_kernel::abi::ABI_VERSION;
use wasmos_kernel::Errno;

/// The text of an I/O error without Rust's `(os error N)` suffix, as a C
/// program's `perror` would print it.
pub fn io_message(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) if (1..=u16::MAX as i32).contains(&n) => Errno(n as u16).message().to_string(),
        _ => e.to_string(),
    }
}

// Underlying I/O errors are fields named `err`, not `source`: the message
// already says what they say, and a `source` would be printed twice by
// `{:#}`.

/// Why a module cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {}", io_message(.err))]
    Read { path: String, err: io::Error },
    #[error("{path}: not a WebAssembly module (bad magic number)")]
    NotWasm { path: String },
    #[error("{path}: is a WebAssembly component; wasmos runs core modules")]
    Component { path: String },
    #[error("{path}: invalid WebAssembly: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: was not built for wasmos (no {} section); build it with wasmos-cc", wasmos_kernel::abi::ABI_SECTION)]
    NoAbiSection { path: String },
    #[error("{path}: malformed {} section ({len} bytes, expected 4)", wasmos_kernel::abi::ABI_SECTION)]
    BadAbiSection { path: String, len: usize },
    #[error("{path}: built for wasmos ABI {found}, this runtime implements ABI {ABI_VERSION}")]
    AbiMismatch { path: String, found: u32 },
    #[error("{path}: imports `{module}.{name}`, which wasmos does not provide")]
    UnknownImport { path: String, module: String, name: String },
    #[error("{path}: import `{module}.{name}` has type {found}, expected {expected}")]
    ImportType { path: String, module: String, name: String, found: String, expected: String },
    #[error("{path}: does not export `{name}`{why}")]
    MissingExport { path: String, name: String, why: &'static str },
    #[error("{path}: cannot instantiate: {message}")]
    Instantiate { path: String, message: String },
}

impl LoadError {
    /// The exit status a shell would use: 127 when the file is missing,
    /// 126 when it exists but cannot be run.
    pub fn exit_code(&self) -> i32 {
        match self {
            LoadError::Read { err, .. } if err.kind() == io::ErrorKind::NotFound => 127,
            _ => 126,
        }
    }
}

/// A problem with how the runtime was asked to run a program.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("--dir {spec}: expected HOST:GUEST or HOST:GUEST:ro")]
    DirSpec { spec: String },
    #[error("--dir {spec}: guest path must be absolute")]
    DirGuestRelative { spec: String },
    #[error("--dir {spec}: {host}: {}", io_message(.err))]
    DirHost { spec: String, host: String, err: io::Error },
    #[error("--dir {spec}: {host}: not a directory")]
    DirNotDir { spec: String, host: String },
    #[error("--dir {spec}: cannot mount at {guest}: {}", .errno.message())]
    Mount { spec: String, guest: String, errno: Errno },
    #[error("--env {spec}: expected NAME=VALUE")]
    EnvSpec { spec: String },
    #[error("--cwd {cwd}: {}", .errno.message())]
    Cwd { cwd: String, errno: Errno },
    #[error("cannot create the wasm engine: {0}")]
    Engine(String),
    #[error("cannot start a process thread: {0}")]
    Thread(io::Error),
}

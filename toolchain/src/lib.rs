//! wasmos-cc: the C toolchain for wasmos, as one multi-call binary.
//!
//! `wasmos-cc` and `wasmos-c++` behave like `cc`/`c++` but compile with
//! clang for `wasm32-unknown-unknown` against the wasmos sysroot (musl, see
//! `wasmos-sysroot`) and link executables with wasm-ld, adding `crt1.o`,
//! `libc.a`, compiler-rt, the link flags the host relies on, and the
//! `wasmos.abi` custom section. `wasmos-ar`, `-ranlib`, `-nm` and `-strip`
//! forward to the LLVM tools (`-strip` keeps `wasmos.abi`). The binary picks
//! its personality from its name (see [`tools::Tool::from_name`]); the
//! links are made with `wasmos-cc --install-links DIR`.
//!
//! C++ is limited to what builds without a C++ standard library: there is
//! no libc++/libc++abi in the sysroot, and exceptions are off.

pub mod abi_section;
pub mod args;
pub mod driver;
mod error;
mod replace;
pub mod tools;

pub use error::{Error, Result};
pub use tools::Tool;

/// Entry point of the binary: dispatches on `argv0`, or on
/// `--tool NAME` / a tool name as first argument, or handles
/// `--install-links DIR`. Returns the exit code.
pub fn main_with(argv0: &str, mut args: Vec<String>) -> Result<i32> {
    if args.first().map(String::as_str) == Some("--install-links") {
        let dir = args.get(1).ok_or_else(|| Error::Usage("usage: wasmos-cc --install-links DIR".into()))?;
        let exe = std::env::current_exe().map_err(|e| Error::io(argv0, e))?;
        for link in tools::install_links(&exe, std::path::Path::new(dir))? {
            println!("{}", link.display());
        }
        return Ok(0);
    }
    if args.first().map(String::as_str) == Some("--tool") {
        let name = args.get(1).cloned().ok_or_else(|| Error::Usage("usage: wasmos-cc --tool NAME ARGS...".into()))?;
        let tool = Tool::from_name(&name).ok_or(Error::UnknownTool { name })?;
        return tools::run(tool, &args[2..]);
    }
    // `wasmos-cc ar rcs …` when links are not installed.
    if let Some(tool) = args.first().and_then(|a| a.strip_prefix("wasmos-")).and_then(Tool::from_name) {
        args.remove(0);
        return tools::run(tool, &args);
    }
    let tool = Tool::from_name(argv0).unwrap_or(Tool::Cc);
    tools::run(tool, &args)
}

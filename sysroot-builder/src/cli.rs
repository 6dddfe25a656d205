//! The sysroot command line, shared by `wasmos-sysroot` and
//! `cargo wasmos sysroot`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

/// Build the wasmos C sysroot (musl 1.2.3 for wasm32) into the cache.
#[derive(Args, Debug, Default)]
#[command(after_help = "The sysroot is cached under $WASMOS_CACHE_DIR (default $XDG_CACHE_HOME/wasmos or \
    ~/.cache/wasmos), keyed by a hash of every input; a second call with the same inputs does nothing. \
    musl comes from --musl-src, the cache, Debian's source archive or musl.libc.org, verified by sha256.")]
pub struct SysrootArgs {
    /// Parallel compile jobs [default: available parallelism]
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Rebuild even if an up-to-date sysroot exists
    #[arg(long)]
    pub force: bool,
    /// Only print the sysroot path (building first if needed)
    #[arg(long)]
    pub print_path: bool,
    /// musl-1.2.3.tar.gz or its extracted directory, instead of downloading
    #[arg(long, value_name = "PATH")]
    pub musl_src: Option<PathBuf>,
}

/// Runs the command: builds if needed, reports, maps errors to a one-line
/// message and a failing exit code.
pub fn run(args: SysrootArgs, prog: &str) -> ExitCode {
    let opts =
        crate::Options { jobs: args.jobs.unwrap_or(0), force: args.force, musl_src: args.musl_src, progress: true, ..Default::default() };
    let start = Instant::now();
    match crate::ensure(&opts) {
        Ok(sysroot) if args.print_path => {
            println!("{}", sysroot.path.display());
            ExitCode::SUCCESS
        }
        Ok(sysroot) => {
            println!("wasmos sysroot ready at {} ({:.2?})", sysroot.path.display(), start.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{prog}: error: {:#}", anyhow::Error::from(e));
            ExitCode::FAILURE
        }
    }
}

//! `wasmos-sysroot`: build (if needed) and print the wasmos C sysroot.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::Parser;

/// Build the wasmos C sysroot (musl 1.2.3 for wasm32) into the cache.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Parallel compile jobs [default: available parallelism]
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Rebuild even if an up-to-date sysroot exists
    #[arg(long)]
    force: bool,
    /// Only print the sysroot path (building first if needed)
    #[arg(long)]
    print_path: bool,
    /// musl-1.2.3.tar.gz or its extracted directory, instead of downloading
    #[arg(long, value_name = "PATH")]
    musl_src: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasmos-sysroot: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let opts = wasmos_sysroot::Options {
        jobs: cli.jobs.unwrap_or(0),
        force: cli.force,
        musl_src: cli.musl_src,
        progress: true,
        ..Default::default()
    };
    let start = Instant::now();
    let sysroot = wasmos_sysroot::ensure(&opts)?;
    if cli.print_path {
        println!("{}", sysroot.path.display());
    } else {
        println!("wasmos sysroot ready at {} ({:.2?})", sysroot.path.display(), start.elapsed());
    }
    Ok(())
}

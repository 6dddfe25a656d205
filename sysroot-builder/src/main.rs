//! `wasmos-sysroot`: build (if needed) and print the wasmos C sysroot.

use std::process::ExitCode;

use clap::Parser;
use wasmos_sysroot::cli::SysrootArgs;

#[derive(Parser)]
#[command(name = "wasmos-sysroot", version, about = "Build the wasmos C sysroot (musl 1.2.3 for wasm32) into the cache")]
struct Cli {
    #[command(flatten)]
    args: SysrootArgs,
}

fn main() -> ExitCode {
    wasmos_sysroot::cli::run(Cli::parse().args, "wasmos-sysroot")
}

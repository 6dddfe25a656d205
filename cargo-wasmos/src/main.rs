//! `cargo wasmos`: the user's front door. Thin by design: each verb is a
//! library call into the crate that owns it.
//!
//! Cargo runs external subcommands as `cargo-wasmos wasmos <args>`; running
//! the binary directly (`cargo-wasmos <args>`) works too.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wasmos_host::cli::RunArgs;
use wasmos_sysroot::cli::SysrootArgs;

#[derive(Parser)]
#[command(name = "cargo wasmos", bin_name = "cargo wasmos", version, about = "Build and run programs on the wasmos kernel")]
struct Cli {
    #[command(subcommand)]
    command: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Build (if needed) the wasmos C sysroot: musl 1.2.3 for wasm32
    Sysroot(SysrootArgs),
    /// Run a wasm program built for wasmos (same options as `wasmos run`)
    Run(RunArgs),
}

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `cargo wasmos x` arrives as `cargo-wasmos wasmos x`.
    if args.get(1).is_some_and(|a| a == "wasmos") {
        args.remove(1);
    }
    match Cli::parse_from(args).command {
        Verb::Sysroot(a) => wasmos_sysroot::cli::run(a, "cargo wasmos sysroot"),
        Verb::Run(a) => {
            wasmos_host::cli::prepare();
            ExitCode::from(wasmos_host::cli::run_command(&a).clamp(0, 255) as u8)
        }
    }
}

//! `wasmos-rewrite IN -o OUT [--stats]`: instrument a linked wasmos binary for fork.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

/// Instrument a linked wasmos binary so that it can fork.
#[derive(Parser)]
#[command(name = "wasmos-rewrite", version)]
struct Cli {
    /// The linked module to read.
    input: PathBuf,
    /// Where to write the rewritten module.
    #[arg(short, long)]
    output: PathBuf,
    /// Print what was instrumented and the code-size cost.
    #[arg(long)]
    stats: bool,
    /// Instrument every function (testing aid: the output must behave
    /// exactly like the input).
    #[arg(long, hide = true)]
    instrument_all: bool,
    /// Print the names of the instrumented functions.
    #[arg(long)]
    list: bool,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let wasm = std::fs::read(&cli.input).with_context(|| format!("cannot read {}", cli.input.display()))?;
    let out = wasmos_rewrite::rewrite_with(&wasm, &wasmos_rewrite::Options { instrument_all: cli.instrument_all })
        .with_context(|| format!("{}", cli.input.display()))?;
    std::fs::write(&cli.output, &out.wasm).with_context(|| format!("cannot write {}", cli.output.display()))?;
    if cli.stats {
        println!("{}", out.stats);
    }
    if cli.list {
        for name in &out.instrumented {
            println!("{name}");
        }
    }
    Ok(())
}

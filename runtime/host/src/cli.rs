//! The `wasmos` command line.
//!
//! ```text
//! wasmos run [OPTIONS] FILE [ARGS]...
//! ```
//!
//! Exit status: the program's own (128 + N when signal N ended it), or, as
//! `env(1)` and `timeout(1)` do it, 127 when FILE does not exist, 126 when
//! it exists but cannot be run, 125 for any other failure to start it, and
//! 2 for a command-line error.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::cache::ModuleCache;
use crate::error::LoadError;
use crate::run::{run, DirMount, RunOptions};

#[derive(Parser, Debug)]
#[command(name = "wasmos", version, about = "Run C programs built with wasmos-cc as processes on the wasmos kernel")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a wasm program built for wasmos
    Run(RunArgs),
}

#[derive(Args, Debug)]
#[command(after_help = "The guest sees only what is given here: no host directory is visible unless \
    mounted with --dir, and its environment is exactly the --env variables, in order.\n\n\
    Exit status: the program's, or 128+N if signal N ended it (a trap maps to SIGSEGV, SIGFPE or \
    SIGILL); 127 if FILE does not exist, 126 if it cannot be run, 125 if the runtime could not \
    start it.\n\nEnvironment: WASMOS_CACHE_DIR (compiled-module cache, default \
    $XDG_CACHE_HOME/wasmos or ~/.cache/wasmos), WASMOS_LOG or RUST_LOG (runtime debug logs, e.g. \
    WASMOS_LOG=debug).")]
pub struct RunArgs {
    /// Mount host directory HOST at guest path GUEST (read-only with :ro); repeatable
    #[arg(long = "dir", value_name = "HOST:GUEST[:ro]")]
    pub dirs: Vec<String>,
    /// Set a guest environment variable; repeatable
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Guest working directory
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub cwd: String,
    /// Print each syscall the program makes to stderr
    #[arg(long)]
    pub strace: bool,
    /// Limit each process's linear memory to BYTES
    #[arg(long, value_name = "BYTES")]
    pub max_memory: Option<u64>,
    /// Allow at most N processes at once (zombies included); fork fails with EAGAIN past it [default: 512]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_procs: Option<u32>,
    /// Neither read nor write the compiled-module cache
    #[arg(long)]
    pub no_cache: bool,
    /// Faster CPU-bound loops, but code that makes no syscalls cannot be killed, stopped or signalled until it makes one
    #[arg(long)]
    pub no_interrupt: bool,
    /// The program, then its arguments (everything after FILE goes to the program)
    #[arg(value_name = "FILE [ARGS]", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<OsString>,
}

impl RunArgs {
    /// The library options these arguments ask for.
    pub fn to_options(&self) -> Result<RunOptions, crate::SetupError> {
        let mut it = self.command.iter();
        let program = PathBuf::from(it.next().cloned().unwrap_or_default());
        let mut opts = RunOptions::new(program);
        opts.args = it.cloned().collect();
        opts.dirs = self.dirs.iter().map(|d| DirMount::parse(d)).collect::<Result<_, _>>()?;
        opts.env = self.env.clone();
        opts.cwd = self.cwd.clone();
        opts.strace = self.strace;
        opts.max_memory = self.max_memory;
        opts.max_procs = self.max_procs.map(|n| n as usize);
        opts.forward_signals = true;
        opts.interrupt = !self.no_interrupt;
        if self.no_cache {
            opts.cache = ModuleCache::disabled();
        }
        Ok(opts)
    }
}

/// Parses the command line (exiting on a usage error, as clap does).
pub fn parse() -> Cli {
    let long_version = format!("{} (wasmos ABI {})", env!("CARGO_PKG_VERSION"), wasmos_kernel::abi::ABI_VERSION);
    let matches = Cli::command().long_version(&*Box::leak(long_version.into_boxed_str())).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Logs go to stderr when `WASMOS_LOG` or `RUST_LOG` asks for them; with
/// neither set no subscriber is installed (it costs start-up time).
fn init_logging() {
    let var = ["WASMOS_LOG", "RUST_LOG"].into_iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    if let Some(filter) = var {
        let _ =
            tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new(filter)).with_writer(std::io::stderr).try_init();
    }
}

/// Raises the soft limit on open files to the hard limit: host directories
/// keep descriptors open for guest files and directories.
fn raise_nofile_limit() {
    // SAFETY: getrlimit/setrlimit with a valid rlimit struct.
    unsafe {
        let mut r: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 && r.rlim_cur < r.rlim_max {
            r.rlim_cur = r.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
}

/// Process-wide set-up every front end does before running programs:
/// logging (if asked for) and the open-file limit.
pub fn prepare() {
    init_logging();
    raise_nofile_limit();
}

/// The whole binary: parse, run, map the outcome to an exit code.
pub fn main() -> i32 {
    let cli = parse();
    prepare();
    match cli.command {
        Command::Run(args) => run_command(&args),
    }
}

/// `wasmos run`: runs the program and returns the exit code to use, after
/// printing a one-line error if the program could not be started. Shared
/// with `cargo wasmos run`.
pub fn run_command(args: &RunArgs) -> i32 {
    let result = args.to_options().map_err(anyhow::Error::from).and_then(|o| run(&o));
    match result {
        Ok(code) => code,
        Err(e) => {
            crate::host_services::stderr_line(&format!("wasmos: {e:#}"));
            match e.downcast_ref::<LoadError>() {
                Some(l) => l.exit_code(),
                None => 125,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_run(args: &[&str]) -> RunArgs {
        let cli = Cli::try_parse_from(std::iter::once("wasmos").chain(args.iter().copied())).unwrap();
        let Command::Run(r) = cli.command;
        r
    }

    #[test]
    fn options_before_file_belong_to_wasmos_after_it_to_the_program() {
        let r = parse_run(&["run", "--strace", "--dir", "/a:/b:ro", "--env", "A=1", "p.wasm", "--strace", "-x", "y"]);
        assert!(r.strace);
        let o = r.to_options().unwrap();
        assert_eq!(o.program, PathBuf::from("p.wasm"));
        assert_eq!(o.args, ["--strace", "-x", "y"].map(OsString::from));
        assert_eq!(o.dirs, vec![DirMount { host: "/a".into(), guest: "/b".into(), readonly: true }]);
        assert_eq!(o.env, vec!["A=1".to_string()]);
        assert_eq!(o.cwd, "/");
    }

    #[test]
    fn usage_errors() {
        assert!(Cli::try_parse_from(["wasmos", "frobnicate"]).is_err());
        assert!(Cli::try_parse_from(["wasmos", "run"]).is_err());
        let r = parse_run(&["run", "--dir", "nope", "p.wasm"]);
        assert_eq!(r.to_options().unwrap_err().to_string(), "--dir nope: expected HOST:GUEST or HOST:GUEST:ro");
        Cli::command().debug_assert();
    }
}

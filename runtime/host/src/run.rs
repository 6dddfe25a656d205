//! [`run`]: the library entry point that runs one program to completion.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

use wasmos_kernel::{ExitStatus, Kernel, KernelConfig, SpawnSpec};

use crate::cache::ModuleCache;
use crate::error::SetupError;
use crate::host_services::HostServices;
use crate::hostfs::HostFs;
use crate::process::{Process, Program};
use crate::shared::Shared;
use crate::signals::Ticker;
use crate::stdin::StdinPump;
use crate::{engine, load};

/// A host directory mounted into the guest (`--dir HOST:GUEST[:ro]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirMount {
    pub host: PathBuf,
    /// Absolute guest path.
    pub guest: String,
    pub readonly: bool,
}

impl DirMount {
    /// Parses `HOST:GUEST`, `HOST:GUEST:ro` or `HOST:GUEST:rw`. The host
    /// part may itself contain `:`; the guest part may not.
    pub fn parse(spec: &str) -> Result<DirMount, SetupError> {
        let err = || SetupError::DirSpec { spec: spec.to_string() };
        let (rest, readonly) = match spec.rsplit_once(':') {
            Some((rest, "ro")) => (rest, true),
            Some((rest, "rw")) => (rest, false),
            _ => (spec, false),
        };
        let (host, guest) = rest.rsplit_once(':').ok_or_else(err)?;
        if host.is_empty() || guest.is_empty() {
            return Err(err());
        }
        if !guest.starts_with('/') {
            return Err(SetupError::DirGuestRelative { spec: spec.to_string() });
        }
        Ok(DirMount { host: PathBuf::from(host), guest: guest.to_string(), readonly })
    }

    fn spec(&self) -> String {
        format!("{}:{}{}", self.host.display(), self.guest, if self.readonly { ":ro" } else { "" })
    }
}

/// Everything [`run`] needs to know.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The program file; also the guest's `argv[0]`, exactly as given.
    pub program: PathBuf,
    /// `argv[1..]`.
    pub args: Vec<OsString>,
    pub dirs: Vec<DirMount>,
    /// The guest environment, `NAME=VALUE` each. Nothing of the host's
    /// environment reaches the guest unless listed here.
    pub env: Vec<String>,
    /// Guest working directory (absolute guest path).
    pub cwd: String,
    /// Print every syscall to stderr.
    pub strace: bool,
    /// Most linear memory in bytes (`None`: 4 GiB, the wasm32 limit).
    pub max_memory: Option<u64>,
    /// Most processes alive at once, zombies included (`None`: the
    /// kernel's default, 512); `fork`/`posix_spawn` past it fail with
    /// `EAGAIN`.
    pub max_procs: Option<usize>,
    pub cache: ModuleCache,
    /// Forward the host process's `SIGINT`/`SIGTERM`/... to the guests
    /// (the `wasmos` binary does; a library caller may not want handlers
    /// installed behind its back).
    pub forward_signals: bool,
    /// Compile epoch checks into guest code so that processes busy in
    /// code that makes no syscalls can be killed, stopped and signalled
    /// (on by default; see [`crate::engine::new_engine`] for the cost).
    pub interrupt: bool,
}

impl RunOptions {
    /// Options for running `program` with no arguments, mounts or
    /// environment, in `/`, with the environment's module cache.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        RunOptions {
            program: program.into(),
            args: Vec::new(),
            dirs: Vec::new(),
            env: Vec::new(),
            cwd: "/".into(),
            strace: false,
            max_memory: None,
            max_procs: None,
            cache: ModuleCache::from_env(),
            forward_signals: false,
            interrupt: true,
        }
    }
}

/// Runs a program to completion and returns its exit code: the code it
/// passed to `exit`, or 128 + the signal number that ended it (139 for a
/// memory fault, as a shell reports it). Errors are for programs that could
/// not be started; their messages name the file or option at fault.
pub fn run(opts: &RunOptions) -> anyhow::Result<i32> {
    Ok(run_status(opts)?.shell_code())
}

/// Like [`run`], returning how the process ended.
pub fn run_status(opts: &RunOptions) -> anyhow::Result<ExitStatus> {
    let name = opts.program.to_string_lossy().into_owned();
    let env = opts
        .env
        .iter()
        .map(|e| match e.split_once('=') {
            Some((k, _)) if !k.is_empty() => Ok(e.as_bytes().to_vec()),
            _ => Err(SetupError::EnvSpec { spec: e.clone() }),
        })
        .collect::<Result<Vec<_>, _>>()?;

    let engine = engine::new_engine(opts.interrupt)?;
    let module = load::load(&engine, &opts.cache, &opts.program, &name)?;
    let program = Program { module, name };

    let pump = Arc::new(StdinPump::default());
    let defaults = KernelConfig::default();
    let config = KernelConfig {
        max_memory: opts.max_memory.unwrap_or(0),
        max_procs: opts.max_procs.unwrap_or(defaults.max_procs),
        signal_handlers: true,
        ..defaults
    };
    let mut kernel = Kernel::new(Box::new(HostServices::new(pump.clone())), config);
    for d in &opts.dirs {
        let host = d.host.display().to_string();
        let fs = HostFs::open(&d.host, d.readonly).map_err(|e| match e {
            crate::hostfs::OpenError::Io(err) => SetupError::DirHost { spec: d.spec(), host: host.clone(), err },
            crate::hostfs::OpenError::NotDir => SetupError::DirNotDir { spec: d.spec(), host: host.clone() },
        })?;
        kernel.mount(d.guest.as_bytes(), Box::new(fs), d.readonly).map_err(|errno| SetupError::Mount {
            spec: d.spec(),
            guest: d.guest.clone(),
            errno,
        })?;
    }
    let exe = opts.program.as_os_str().as_bytes().to_vec();
    let mut argv = vec![exe.clone()];
    argv.extend(opts.args.iter().map(|a| a.as_bytes().to_vec()));
    let spec = SpawnSpec { argv, envp: env, cwd: opts.cwd.as_bytes().to_vec(), exe };
    let pid = kernel.spawn(spec).map_err(|errno| SetupError::Cwd { cwd: opts.cwd.clone(), errno })?;

    let shared = Arc::new(Shared::new(kernel, engine, opts.cache.clone(), opts.strace, opts.max_memory));
    pump.attach(&shared);
    if opts.forward_signals {
        crate::signals::forward_host_signals(&shared);
    }
    let process = Process::instantiate(shared.clone(), &program, pid)?;
    let ticker = Ticker::start(&shared);
    let handle = process.spawn().map_err(SetupError::Thread)?;
    // The process thread never panics on guest input; if it panicked
    // anyway, report it as the kill it amounts to.
    let status = handle.join().unwrap_or(ExitStatus::Signal(crate::trap::SIGKILL));
    // Like the init of a Linux pid namespace: when pid 1 is gone, whatever
    // it left running is killed (we cannot outlive the host process).
    shared.with_kernel(|k| {
        for p in crate::signals::live_pids(k) {
            let _ = k.send(p, crate::trap::SIGKILL);
        }
    });
    loop {
        let threads = shared.take_threads();
        if threads.is_empty() {
            break;
        }
        for (_, t) in threads {
            let _ = t.join();
        }
    }
    drop(ticker);
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_specs() {
        let d = DirMount::parse("/data:/mnt").unwrap();
        assert_eq!(d, DirMount { host: "/data".into(), guest: "/mnt".into(), readonly: false });
        assert!(DirMount::parse("./x:/mnt:ro").unwrap().readonly);
        assert!(!DirMount::parse("./x:/mnt:rw").unwrap().readonly);
        assert_eq!(DirMount::parse("C:/odd:/mnt").unwrap().host, PathBuf::from("C:/odd"));
        for bad in ["/data", ":/mnt", "/data:", "/data:ro", ""] {
            let e = DirMount::parse(bad).unwrap_err();
            assert!(e.to_string().starts_with(&format!("--dir {bad}:")), "{e}");
        }
        let e = DirMount::parse("/data:mnt").unwrap_err();
        assert_eq!(e.to_string(), "--dir /data:mnt: guest path must be absolute");
    }
}

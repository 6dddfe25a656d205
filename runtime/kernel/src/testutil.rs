//! A single-threaded test engine: linear memory in a `Vec`, a fake clock,
//! captured output, and a retry loop for pending syscalls.
//!
//! Several processes: [`Harness::fork`] asks the kernel for a child and
//! copies the caller's memory for it, as an engine does; [`Harness::switch`]
//! changes which process the next calls come from (`h.pid`, `h.mem` are
//! always the current one's).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use std::sync::Mutex;

use crate::abi::WASM_PAGE;
use crate::engine::{Host, Memory, Outcome, StreamKind};
use crate::{Errno, Kernel, KernelConfig, SpawnSpec};

/// Linear memory backed by a vector.
#[derive(Clone)]
pub struct TestMem {
    pub bytes: Vec<u8>,
    pub max_pages: u64,
}

impl Memory for TestMem {
    fn read(&self, addr: u32, buf: &mut [u8]) -> Result<(), Errno> {
        let a = addr as usize;
        let src = self.bytes.get(a..a + buf.len()).ok_or(Errno::EFAULT)?;
        buf.copy_from_slice(src);
        Ok(())
    }
    fn write(&mut self, addr: u32, data: &[u8]) -> Result<(), Errno> {
        let a = addr as usize;
        let dst = self.bytes.get_mut(a..a + data.len()).ok_or(Errno::EFAULT)?;
        dst.copy_from_slice(data);
        Ok(())
    }
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn grow(&mut self, pages: u64) -> Result<u64, Errno> {
        let old = self.bytes.len() as u64 / WASM_PAGE;
        if old + pages > self.max_pages {
            return Err(Errno::ENOMEM);
        }
        self.bytes.resize(((old + pages) * WASM_PAGE) as usize, 0);
        Ok(old)
    }
}

/// Host state the test can inspect and steer.
#[derive(Default)]
pub struct HostState {
    pub mono_ns: u64,
    pub real_ns: u64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub wants_input: bool,
    pub stdin_kind: Option<StreamKind>,
    /// The host's stdout is a pipe whose reader has gone: writes fail with
    /// `EPIPE`.
    pub stdout_broken: bool,
    rng: u64,
}

/// The [`Host`] half of the test engine.
pub struct TestHost(pub Arc<Mutex<HostState>>);

impl Host for TestHost {
    fn realtime_ns(&self) -> u64 {
        let s = self.0.lock().unwrap();
        s.real_ns + s.mono_ns
    }
    fn monotonic_ns(&self) -> u64 {
        self.0.lock().unwrap().mono_ns
    }
    fn random(&mut self, buf: &mut [u8]) {
        let mut s = self.0.lock().unwrap();
        for b in buf {
            s.rng = s.rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *b = (s.rng >> 33) as u8;
        }
    }
    fn stream_write(&mut self, stream: u8, data: &[u8]) -> Result<usize, Errno> {
        let mut s = self.0.lock().unwrap();
        match stream {
            1 if s.stdout_broken => return Err(Errno::EPIPE),
            1 => s.stdout.extend_from_slice(data),
            _ => s.stderr.extend_from_slice(data),
        }
        Ok(data.len())
    }
    fn stream_kind(&self, stream: u8) -> StreamKind {
        match stream {
            0 => self.0.lock().unwrap().stdin_kind.unwrap_or(StreamKind::Tty),
            _ => StreamKind::Pipe,
        }
    }
    fn winsize(&self, _stream: u8) -> Option<(u16, u16)> {
        Some((24, 80))
    }
    fn want_input(&mut self) {
        self.0.lock().unwrap().wants_input = true;
    }
}

/// A kernel with one process and a scratch allocator in its memory.
pub struct Harness {
    pub k: Kernel,
    /// The process calls come from.
    pub pid: u32,
    /// Its memory.
    pub mem: TestMem,
    /// The memories of the other processes.
    pub others: BTreeMap<u32, TestMem>,
    pub host: Arc<Mutex<HostState>>,
    next: u32,
}

/// Where scratch allocations start; the initial memory is 16 wasm pages.
const SCRATCH: u32 = 0x1_0000;
const INITIAL_PAGES: u64 = 16;

impl Harness {
    pub fn new() -> Self {
        Self::with_config(KernelConfig::default())
    }

    /// A harness whose engine runs signal handlers
    /// ([`KernelConfig::signal_handlers`]).
    pub fn with_signals() -> Self {
        Self::with_config(KernelConfig { signal_handlers: true, ..KernelConfig::default() })
    }

    pub fn with_config(config: KernelConfig) -> Self {
        let host = Arc::new(Mutex::new(HostState { real_ns: 1_700_000_000_000_000_000, ..Default::default() }));
        let mut k = Kernel::new(Box::new(TestHost(host.clone())), config);
        let pid = k
            .spawn(SpawnSpec { argv: vec![b"test".to_vec(), b"arg1".to_vec()], envp: vec![b"HOME=/root".to_vec()], ..Default::default() })
            .expect("spawn");
        let mem = TestMem { bytes: vec![0; (INITIAL_PAGES * WASM_PAGE) as usize], max_pages: 1024 };
        Harness { k, pid, mem, others: BTreeMap::new(), host, next: SCRATCH }
    }

    /// Forks the current process as an engine would: the kernel's fork,
    /// then a copy of the memory. Returns the child's pid; the caller stays
    /// current.
    pub fn fork(&mut self) -> u32 {
        let child = self.k.fork(self.pid).expect("fork");
        self.others.insert(child, self.mem.clone());
        child
    }

    /// Makes `pid` the calling process.
    pub fn switch(&mut self, pid: u32) {
        if pid == self.pid {
            return;
        }
        let mem = self.others.remove(&pid).expect("switch to a process the harness does not know");
        let old = core::mem::replace(&mut self.mem, mem);
        self.others.insert(self.pid, old);
        self.pid = pid;
    }

    /// Runs `f` as process `pid`, then switches back.
    pub fn as_pid<R>(&mut self, pid: u32, f: impl FnOnce(&mut Harness) -> R) -> R {
        let back = self.pid;
        self.switch(pid);
        let r = f(self);
        self.switch(back);
        r
    }

    /// Reserves `len` zeroed bytes of scratch memory (8-byte aligned).
    pub fn alloc(&mut self, len: usize) -> u32 {
        let a = self.next;
        self.next = (self.next + len as u32 + 7) & !7;
        assert!((self.next as u64) < INITIAL_PAGES * WASM_PAGE, "test scratch exhausted");
        self.mem.bytes[a as usize..a as usize + len].fill(0);
        a
    }

    /// Copies `data` into scratch memory.
    pub fn put(&mut self, data: &[u8]) -> u32 {
        let a = self.alloc(data.len());
        self.mem.bytes[a as usize..a as usize + data.len()].copy_from_slice(data);
        a
    }

    /// A NUL-terminated string in scratch memory.
    pub fn cstr(&mut self, s: &str) -> u32 {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        self.put(&v)
    }

    pub fn bytes(&self, addr: u32, len: usize) -> Vec<u8> {
        self.mem.bytes[addr as usize..addr as usize + len].to_vec()
    }

    pub fn u32_at(&self, addr: u32) -> u32 {
        u32::from_le_bytes(self.bytes(addr, 4).try_into().unwrap())
    }

    pub fn u64_at(&self, addr: u32) -> u64 {
        u64::from_le_bytes(self.bytes(addr, 8).try_into().unwrap())
    }

    fn args(a: &[u32]) -> [u32; 6] {
        let mut r = [0u32; 6];
        r[..a.len()].copy_from_slice(a);
        r
    }

    /// One attempt, returning the raw outcome.
    pub fn call(&mut self, nr: u32, a: &[u32], retry: bool) -> Outcome {
        self.k.syscall(self.pid, &mut self.mem, nr, Self::args(a), retry)
    }

    /// A syscall that must complete immediately; returns its value.
    pub fn sys(&mut self, nr: u32, a: &[u32]) -> i64 {
        match self.call(nr, a, false) {
            Outcome::Return(v) => v,
            o => panic!("syscall {nr} did not return: {o:?}"),
        }
    }

    /// Runs a syscall like an engine would: on a pending timer, advance the
    /// fake clock to its deadline and retry. Returns the value and how many
    /// times the call was parked.
    pub fn run(&mut self, nr: u32, a: &[u32]) -> (i64, usize) {
        let mut parked = 0;
        let mut retry = false;
        loop {
            match self.call(nr, a, retry) {
                Outcome::Return(v) => return (v, parked),
                Outcome::Pending(p) => {
                    let d = p.deadline.unwrap_or_else(|| panic!("syscall {nr} parked on {:?} with no deadline", p.key));
                    let mut h = self.host.lock().unwrap();
                    h.mono_ns = h.mono_ns.max(d);
                    parked += 1;
                    retry = true;
                }
                o => panic!("syscall {nr} ended the process: {o:?}"),
            }
        }
    }

    pub fn stdout(&self) -> Vec<u8> {
        self.host.lock().unwrap().stdout.clone()
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

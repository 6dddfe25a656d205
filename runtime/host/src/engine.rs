//! The wasmtime engine configuration every process shares.

use wasmtime::{Config, Engine};

use crate::error::SetupError;

/// An engine with Cranelift and wasmtime's defaults (bulk memory,
/// multi-value and reference types on) plus epoch interruption: compiled
/// code checks the engine's epoch at function entries and loop headers, so
/// the host can stop, kill or signal a process that makes no syscalls
/// ([`crate::signals`]). Epoch checks cost tight loops real time (about
/// 1.6x on the CPU-bound benchmark), so `interrupt = false`
/// (`--no-interrupt`) leaves them out: such code then notices kills, stops
/// and handlers only at its next syscall.
pub fn new_engine(interrupt: bool) -> Result<Engine, SetupError> {
    let mut config = Config::new();
    config.epoch_interruption(interrupt);
    Engine::new(&config).map_err(|e| SetupError::Engine(format!("{e:#}")))
}

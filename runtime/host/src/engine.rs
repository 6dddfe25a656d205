//! The wasmtime engine configuration every process shares.

use wasmtime::{Config, Engine};

use crate::error::SetupError;

/// An engine with Cranelift and wasmtime's defaults (bulk memory,
/// multi-value and reference types on). No fuel or epochs yet: nothing
/// interrupts a running guest but its own syscalls.
pub fn new_engine() -> Result<Engine, SetupError> {
    let config = Config::new();
    Engine::new(&config).map_err(|e| SetupError::Engine(format!("{e:#}")))
}

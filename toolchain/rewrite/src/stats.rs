//! What the rewrite cost: functions instrumented and code-section growth.

use std::fmt;

use crate::RewriteError;

/// Measurements of one rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Functions defined in the module.
    pub functions_total: usize,
    /// Functions instrumented (those that can reach fork).
    pub functions_instrumented: usize,
    /// Call sites that may unwind.
    pub call_sites: usize,
    /// Code section size before, in bytes.
    pub code_before: usize,
    /// Code section size after, in bytes.
    pub code_after: usize,
}

impl Stats {
    /// The stats of a module left alone.
    pub fn unchanged(wasm: &[u8]) -> Result<Stats, RewriteError> {
        let code = code_size(wasm)?;
        let mut functions_total = 0;
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            if let wasmparser::Payload::FunctionSection(r) = payload.map_err(|e| RewriteError::Invalid(e.to_string()))? {
                functions_total = r.count() as usize;
            }
        }
        Ok(Stats { functions_total, functions_instrumented: 0, call_sites: 0, code_before: code, code_after: code })
    }

    /// Code growth in percent.
    pub fn overhead_percent(&self) -> f64 {
        if self.code_before == 0 {
            return 0.0;
        }
        (self.code_after as f64 - self.code_before as f64) * 100.0 / self.code_before as f64
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "functions instrumented: {} / {}", self.functions_instrumented, self.functions_total)?;
        writeln!(f, "call sites that may unwind: {}", self.call_sites)?;
        write!(f, "code size: {} -> {} bytes ({:+.1}%)", self.code_before, self.code_after, self.overhead_percent())
    }
}

/// The size of the code section of `wasm` (0 if it has none).
pub fn code_size(wasm: &[u8]) -> Result<usize, RewriteError> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionStart { size, .. } = payload.map_err(|e| RewriteError::Invalid(e.to_string()))? {
            return Ok(size as usize);
        }
    }
    Ok(0)
}

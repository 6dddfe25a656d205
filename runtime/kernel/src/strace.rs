//! strace formatting.

//! The on-disk cache of compiled modules.
//!
//! Layout: `<cache dir>/modules/<key>.cwasm`, where `key` is the hex SHA-256
//! of the module bytes followed by the engine's
//! [`Engine::precompile_compatibility_hash`] (so a new wasmtime version, a
//! different CPU feature set or other compiler settings never pick up a
//! stale artifact). The cache directory is `$WASMOS_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/wasmos`, else `~/.cache/wasmos`.
//!
//! Entries are written to a temporary file in the same directory and renamed
//! into place, so a reader never sees a partial file. An entry wasmtime
//! refuses to load is deleted and the module recompiled. A cache that cannot
//! be written (read-only home, full disk) only costs the compile time.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

/// Where compiled modules are kept, if anywhere.
#[derive(Clone, Debug)]
pub struct ModuleCache {
    dir: Option<PathBuf>,
}

impl ModuleCache {
    /// A cache in `dir` (its `modules/` subdirectory holds the entries).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        ModuleCache { dir: Some(dir.into()) }
    }

    /// No cache: every run compiles.
    pub fn disabled() -> Self {
        ModuleCache { dir: None }
    }

    /// The cache directory the environment selects (see the module docs).
    pub fn from_env() -> Self {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let dir = var("WASMOS_CACHE_DIR")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("wasmos")))
            .or_else(|| var("HOME").map(|d| d.join(".cache").join("wasmos")));
        ModuleCache { dir }
    }

    /// The cache root, if caching is on.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The cache key of `bytes` compiled by `engine`.
    pub fn key(engine: &Engine, bytes: &[u8]) -> String {
        let mut h = ShaHasher(Sha256::new());
        h.0.update(bytes);
        engine.precompile_compatibility_hash().hash(&mut h);
        hex::encode(h.0.finalize())
    }

    /// The file an entry lives in.
    pub fn entry_path(&self, key: &str) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join("modules").join(format!("{key}.cwasm")))
    }

    /// The compiled module for `bytes`: from the cache when a valid entry
    /// exists, else compiled (which validates) and stored.
    pub fn load_or_compile(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Module> {
        let Some(path) = self.entry_path(&Self::key(engine, bytes)) else {
            return Module::new(engine, bytes);
        };
        if path.exists() {
            // SAFETY: `deserialize_file` trusts the file to be an artifact
            // wasmtime produced. We wrote it ourselves (atomically, so never
            // partially) under a name that is the SHA-256 of the module bytes
            // and the engine's compatibility hash, in a directory owned by
            // the user running us; wasmtime still checks its header, version
            // and engine settings and fails cleanly on a mismatch, which we
            // treat as a corrupt entry below.
            match unsafe { Module::deserialize_file(engine, &path) } {
                Ok(m) => {
                    tracing::debug!(path = %path.display(), "module cache hit");
                    return Ok(m);
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), "discarding unusable cache entry: {e:#}");
                    let _ = fs::remove_file(&path);
                }
            }
        }
        let module = Module::new(engine, bytes)?;
        match module.serialize() {
            Ok(art) => {
                if let Err(e) = write_atomic(&path, &art) {
                    tracing::debug!(path = %path.display(), "cannot write module cache entry: {e}");
                }
            }
            Err(e) => tracing::debug!("cannot serialize module: {e:#}"),
        }
        Ok(module)
    }
}

/// Feeds a [`Hash`] value into SHA-256.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        // Only the digest is used; `Hash` impls never call this.
        0
    }
}

/// Writes `data` to `path` through a temporary file in the same directory
/// and a rename, creating the directory if needed.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
    fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(data)?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAT: &str = r#"(module (func (export "f") (result i32) i32.const 42))"#;

    fn call_f(engine: &Engine, m: &Module) -> i32 {
        let mut store = wasmtime::Store::new(engine, ());
        let inst = wasmtime::Instance::new(&mut store, m, &[]).unwrap();
        inst.get_typed_func::<(), i32>(&mut store, "f").unwrap().call(&mut store, ()).unwrap()
    }

    #[test]
    fn key_depends_on_bytes_and_is_hex_sha256() {
        let engine = Engine::default();
        let a = ModuleCache::key(&engine, b"one");
        let b = ModuleCache::key(&engine, b"two");
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(a, ModuleCache::key(&engine, b"one"));
    }

    #[test]
    fn entry_path_layout() {
        let c = ModuleCache::at("/c");
        assert_eq!(c.entry_path("abc").unwrap(), Path::new("/c/modules/abc.cwasm"));
        assert!(ModuleCache::disabled().entry_path("abc").is_none());
    }

    #[test]
    fn atomic_write_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("x.cwasm");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x.cwasm")]);
    }

    #[test]
    fn compiles_stores_and_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let bytes = wat::parse_str(WAT).unwrap();
        let cache = ModuleCache::at(dir.path());
        let path = cache.entry_path(&ModuleCache::key(&engine, &bytes)).unwrap();
        let m = cache.load_or_compile(&engine, &bytes).unwrap();
        assert!(path.exists());
        assert_eq!(call_f(&engine, &m), 42);
        let m = cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(call_f(&engine, &m), 42);
    }

    #[test]
    fn corrupt_entry_is_discarded_and_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let bytes = wat::parse_str(WAT).unwrap();
        let cache = ModuleCache::at(dir.path());
        let path = cache.entry_path(&ModuleCache::key(&engine, &bytes)).unwrap();
        for junk in [&b"not an artifact"[..], b"", b"\x7fELF\x02\x01\x01garbage"] {
            write_atomic(&path, junk).unwrap();
            let m = cache.load_or_compile(&engine, &bytes).unwrap();
            assert_eq!(call_f(&engine, &m), 42);
            assert_ne!(fs::read(&path).unwrap(), junk, "entry was rewritten");
        }
        // A truncated real artifact is refused too.
        let good = fs::read(&path).unwrap();
        write_atomic(&path, &good[..good.len() / 2]).unwrap();
        let m = cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(call_f(&engine, &m), 42);
        assert_eq!(fs::read(&path).unwrap().len(), good.len(), "entry was rewritten whole");
    }

    #[test]
    fn unwritable_cache_still_compiles() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        fs::write(&file, b"").unwrap();
        let engine = Engine::default();
        let bytes = wat::parse_str(WAT).unwrap();
        let m = ModuleCache::at(&file).load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(call_f(&engine, &m), 42);
    }
}

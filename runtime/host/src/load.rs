//! Loading a program: read the file, check that it is a core wasm module
//! built for this ABI, compile it (through the cache), and check its
//! imports against what the runtime provides.
//!
//! The checks run cheapest first so that a wrong file fails fast: magic
//! number, then a scan of the section headers for `wasmos.abi` (function
//! bodies are skipped, not parsed), then compilation, which validates.

use std::path::Path;

use wasmos_kernel::abi::{self, ABI_SECTION, ABI_VERSION, IMPORT_MODULE};
use wasmparser::{Chunk, Encoding, Parser, Payload};
use wasmtime::{Engine, ExternType, FuncType, Module, ValType};

use crate::cache::ModuleCache;
use crate::error::LoadError;
use crate::sjlj;

/// The first four bytes of every wasm binary.
pub const WASM_MAGIC: [u8; 4] = *b"\0asm";

/// Reads, checks and compiles the program at `path`. `display` names it in
/// errors (the path as the user gave it).
pub fn load(engine: &Engine, cache: &ModuleCache, path: &Path, display: &str) -> Result<Module, LoadError> {
    let bytes = std::fs::read(path).map_err(|err| LoadError::Read { path: display.to_string(), err })?;
    load_bytes(engine, cache, &bytes, display)
}

/// Checks and compiles a program already in memory (`execve`,
/// `wasmos_spawn`).
pub fn load_bytes(engine: &Engine, cache: &ModuleCache, bytes: &[u8], display: &str) -> Result<Module, LoadError> {
    check_abi(display, bytes)?;
    let module =
        cache.load_or_compile(engine, bytes).map_err(|e| LoadError::Invalid { path: display.to_string(), message: format!("{e:#}") })?;
    check_imports(display, &module)?;
    Ok(module)
}

/// Checks the magic number and the `wasmos.abi` section.
pub fn check_abi(display: &str, bytes: &[u8]) -> Result<(), LoadError> {
    let path = || display.to_string();
    if bytes.len() < 8 || bytes[..4] != WASM_MAGIC {
        return Err(LoadError::NotWasm { path: path() });
    }
    let invalid = |e: wasmparser::BinaryReaderError| LoadError::Invalid { path: path(), message: e.to_string() };
    let mut parser = Parser::new(0);
    let mut data = bytes;
    let mut abi_payload: Option<&[u8]> = None;
    loop {
        let (consumed, payload) = match parser.parse(data, true).map_err(invalid)? {
            Chunk::Parsed { consumed, payload } => (consumed, payload),
            // With `eof = true` the parser reports truncation as an error.
            Chunk::NeedMoreData(_) => return Err(LoadError::Invalid { path: path(), message: "unexpected end".into() }),
        };
        data = &data[consumed..];
        match payload {
            Payload::Version { encoding: Encoding::Component, .. } => return Err(LoadError::Component { path: path() }),
            Payload::CustomSection(c) if c.name() == ABI_SECTION => abi_payload = Some(c.data()),
            Payload::CodeSectionStart { size, .. } => {
                parser.skip_section();
                data = data
                    .get(size as usize..)
                    .ok_or_else(|| LoadError::Invalid { path: path(), message: "code section extends past the end of the file".into() })?;
            }
            Payload::End(_) => break,
            _ => {}
        }
    }
    let payload = abi_payload.ok_or_else(|| LoadError::NoAbiSection { path: path() })?;
    let found: [u8; 4] = payload.try_into().map_err(|_| LoadError::BadAbiSection { path: path(), len: payload.len() })?;
    let found = u32::from_le_bytes(found);
    if found != ABI_VERSION {
        return Err(LoadError::AbiMismatch { path: path(), found });
    }
    Ok(())
}

/// What the runtime provides for one import, if anything.
fn expected_import(engine: &Engine, module: &str, name: &str) -> Option<Option<FuncType>> {
    use ValType::I32;
    let f = |params: &[ValType], results: &[ValType]| Some(Some(FuncType::new(engine, params.iter().cloned(), results.iter().cloned())));
    match (module, name) {
        (IMPORT_MODULE, abi::SYSCALL_IMPORT) => f(&[I32, I32, I32, I32, I32, I32, I32], &[I32]),
        (IMPORT_MODULE, abi::FORK_IMPORT | abi::VFORK_IMPORT) => f(&[], &[I32]),
        (IMPORT_MODULE, abi::LONGJMP_IMPORT) => f(&[], &[]),
        // Any signature whose first parameter is the table index.
        _ if sjlj::is_invoke(module, name) => Some(None),
        _ => None,
    }
}

/// Checks every import against what [`crate::process`] defines, so that a
/// mismatch is reported by name before anything runs.
pub fn check_imports(display: &str, module: &Module) -> Result<(), LoadError> {
    let engine = module.engine();
    for imp in module.imports() {
        let (m, n) = (imp.module(), imp.name());
        let err_unknown = || LoadError::UnknownImport { path: display.to_string(), module: m.to_string(), name: n.to_string() };
        let expected = expected_import(engine, m, n).ok_or_else(err_unknown)?;
        let ExternType::Func(found) = imp.ty() else {
            return Err(err_unknown());
        };
        let ok = match &expected {
            Some(want) => FuncType::eq(&found, want),
            None => sjlj::invoke_type_ok(&found),
        };
        if !ok {
            return Err(LoadError::ImportType {
                path: display.to_string(),
                module: m.to_string(),
                name: n.to_string(),
                found: found.to_string(),
                expected: expected.map_or_else(|| "(func (param i32 ...) ...)".to_string(), |t| t.to_string()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with the given custom sections appended.
    fn module_with(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut m = wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "_start")))"#).unwrap();
        for (name, data) in sections {
            let mut body = Vec::new();
            leb(&mut body, name.len() as u32);
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(data);
            m.push(0);
            leb(&mut m, body.len() as u32);
            m.extend_from_slice(&body);
        }
        m
    }

    fn leb(out: &mut Vec<u8>, mut v: u32) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    #[test]
    fn accepts_the_current_abi() {
        check_abi("p.wasm", &module_with(&[(ABI_SECTION, &ABI_VERSION.to_le_bytes())])).unwrap();
    }

    #[test]
    fn refuses_missing_section() {
        let e = check_abi("./p.wasm", &module_with(&[("other", b"x")])).unwrap_err();
        assert!(matches!(e, LoadError::NoAbiSection { .. }));
        assert_eq!(e.to_string(), "./p.wasm: was not built for wasmos (no wasmos.abi section); build it with wasmos-cc");
    }

    #[test]
    fn refuses_wrong_version() {
        let e = check_abi("p.wasm", &module_with(&[(ABI_SECTION, &7u32.to_le_bytes())])).unwrap_err();
        assert_eq!(e.to_string(), format!("p.wasm: built for wasmos ABI 7, this runtime implements ABI {ABI_VERSION}"));
        let e = check_abi("p.wasm", &module_with(&[(ABI_SECTION, b"\x01\x00")])).unwrap_err();
        assert!(matches!(e, LoadError::BadAbiSection { len: 2, .. }), "{e}");
    }

    #[test]
    fn refuses_non_wasm_and_corrupt_bytes() {
        for junk in [&b""[..], b"#!/bin/sh\necho hi\n", b"\x7fELF\x02\x01\x01\x00"] {
            let e = check_abi("x", junk).unwrap_err();
            assert!(matches!(e, LoadError::NotWasm { .. }), "{e}");
            assert_eq!(e.to_string(), "x: not a WebAssembly module (bad magic number)");
        }
        let good = module_with(&[(ABI_SECTION, &ABI_VERSION.to_le_bytes())]);
        let e = check_abi("x", &good[..good.len() - 3]).unwrap_err();
        assert!(matches!(e, LoadError::Invalid { .. }), "{e}");
        let mut bad_version = good.clone();
        bad_version[4] = 9;
        assert!(matches!(check_abi("x", &bad_version).unwrap_err(), LoadError::Invalid { .. }));
    }

    #[test]
    fn corrupt_code_is_caught_by_compilation() {
        // Structurally fine sections, but the function body is not valid:
        // `i32.add` with an empty stack.
        let mut m = wat::parse_str(r#"(module (func (result i32) i32.const 1))"#).unwrap();
        let pos = m.windows(2).position(|w| w == [0x41, 0x01]).unwrap();
        m[pos] = 0x6a;
        m[pos + 1] = 0x0b;
        let mut bytes = m;
        bytes.push(0);
        let name = ABI_SECTION.as_bytes();
        bytes.push((1 + name.len() + 4) as u8);
        bytes.push(name.len() as u8);
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(&ABI_VERSION.to_le_bytes());
        check_abi("x", &bytes).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.wasm");
        std::fs::write(&path, &bytes).unwrap();
        let e = load(&Engine::default(), &ModuleCache::disabled(), &path, "c.wasm").unwrap_err();
        assert!(matches!(e, LoadError::Invalid { .. }), "{e}");
        assert!(e.to_string().starts_with("c.wasm: invalid WebAssembly: "), "{e}");
    }

    #[test]
    fn missing_file_names_it() {
        let e = load(&Engine::default(), &ModuleCache::disabled(), Path::new("/nonexistent/x.wasm"), "./x.wasm").unwrap_err();
        assert_eq!(e.to_string(), "./x.wasm: No such file or directory");
        assert_eq!(e.exit_code(), 127);
    }

    fn imports_of(wat: &str) -> Result<(), LoadError> {
        let engine = Engine::default();
        check_imports("p", &Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap())
    }

    #[test]
    fn import_checks() {
        imports_of(
            r#"(module
                (import "wasmos" "syscall" (func (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
                (import "wasmos" "fork" (func (result i32)))
                (import "wasmos" "longjmp_unwind" (func))
                (import "env" "invoke_vii" (func (param i32 i32 i32)))
                (import "env" "invoke_jiji" (func (param i32 i32 i64 i32) (result i64))))"#,
        )
        .unwrap();
        let e = imports_of(r#"(module (import "env" "puts" (func (param i32) (result i32))))"#).unwrap_err();
        assert_eq!(e.to_string(), "p: imports `env.puts`, which wasmos does not provide");
        let e =
            imports_of(r#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))))"#).unwrap_err();
        assert!(matches!(e, LoadError::UnknownImport { .. }));
        let e = imports_of(r#"(module (import "wasmos" "syscall" (func (param i32) (result i32))))"#).unwrap_err();
        assert!(e.to_string().starts_with("p: import `wasmos.syscall` has type"), "{e}");
        let e = imports_of(r#"(module (import "env" "invoke_v" (func (param i64))))"#).unwrap_err();
        assert!(matches!(e, LoadError::ImportType { .. }), "{e}");
        let e = imports_of(r#"(module (import "env" "memory" (memory 1)))"#).unwrap_err();
        assert!(matches!(e, LoadError::UnknownImport { .. }));
    }
}

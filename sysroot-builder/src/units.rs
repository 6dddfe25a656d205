//! Which files make up libc.a and the crt objects: musl's Makefile rule
//! (every `src/*/*.c`, `src/malloc/mallocng/*.c`, `crt/*.c`; a file
//! `<dir>/wasm32/<stem>.c` replaces `<dir>/<stem>.c`) minus what cannot work
//! on wasm, listed in [`EXCLUDED`] with the reason.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const ARCH: &str = "wasm32";

/// musl sources left out, relative to the musl tree, and why.
pub const EXCLUDED: &[(&str, &str)] = &[
    // Dynamic linking: wasm modules are linked statically; dlopen() and
    // friends come from musl's static stubs in src/ldso, which report errors.
    ("crt/Scrt1.c", "PIE start file: no dynamic linking"),
    ("crt/rcrt1.c", "static-PIE start file: no dynamic linking"),
    ("src/ldso/tlsdesc.c", "TLS descriptors belong to the dynamic linker"),
];

/// One compile unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Source, relative to the musl tree.
    pub src: PathBuf,
    /// Object, relative to the build dir (`obj/src/stdio/printf.o`).
    pub obj: PathBuf,
    /// A start file (`crt1.o`) rather than a libc.a member.
    pub crt: bool,
}

fn list(dir: &Path, ext: &[&str]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in rd {
        let p = entry.map_err(|e| Error::io(dir, e))?.path();
        if p.is_file() && p.extension().is_some_and(|x| ext.iter().any(|e| x == *e)) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// The compile units of the musl tree at `root` (overlay already applied).
pub fn units(root: &Path) -> Result<Vec<Unit>> {
    let mut dirs = Vec::new();
    let src = root.join("src");
    for entry in fs::read_dir(&src).map_err(|e| Error::io(&src, e))? {
        let p = entry.map_err(|e| Error::io(&src, e))?.path();
        if p.is_dir() {
            dirs.push(p);
        }
    }
    dirs.push(root.join("src/malloc/mallocng"));
    dirs.push(root.join("crt"));
    dirs.sort();

    let mut units = Vec::new();
    for dir in &dirs {
        let arch = list(&dir.join(ARCH), &["c"])?;
        // Assembly (.s/.S) in our arch dir would be silently ignored by
        // this rule, so there must be none.
        if let Some(asm) = list(&dir.join(ARCH), &["s", "S"])?.first() {
            return Err(Error::io(asm, std::io::Error::other("assembly is not supported in the wasm32 overlay")));
        }
        let replaced: Vec<_> = arch.iter().map(|p| p.file_stem().unwrap().to_owned()).collect();
        for base in list(dir, &["c"])? {
            if !replaced.contains(&base.file_stem().unwrap().to_owned()) {
                units.push(base);
            }
        }
        units.extend(arch);
    }

    let mut out = Vec::new();
    for abs in units {
        let rel = abs.strip_prefix(root).unwrap().to_path_buf();
        let rel_str = rel.to_string_lossy().replace('\\', "/");
        if EXCLUDED.iter().any(|(p, _)| *p == rel_str) {
            continue;
        }
        // musl names objects after the source with the arch dir dropped.
        let obj_rel = rel_str.replace(&format!("/{ARCH}/"), "/");
        let crt = rel_str.starts_with("crt/");
        if crt && !matches!(rel.file_stem().and_then(|s| s.to_str()), Some("crt1" | "crti" | "crtn")) {
            continue;
        }
        out.push(Unit { src: rel, obj: PathBuf::from("obj").join(obj_rel).with_extension("o"), crt });
    }
    out.sort_by(|a, b| a.obj.cmp(&b.obj));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "").unwrap();
    }

    #[test]
    fn arch_files_replace_generic_ones_and_exclusions_apply() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for f in [
            "src/stdio/printf.c",
            "src/setjmp/setjmp.c",
            "src/setjmp/wasm32/setjmp.c",
            "src/setjmp/wasm32/wasm_sjlj.c",
            "src/setjmp/x86_64/setjmp.s",
            "src/malloc/mallocng/malloc.c",
            "crt/crt1.c",
            "crt/wasm32/crt1.c",
            "crt/rcrt1.c",
            "src/ldso/tlsdesc.c",
        ] {
            touch(r, f);
        }
        let u = units(r).unwrap();
        let srcs: Vec<_> = u.iter().map(|u| u.src.to_string_lossy().into_owned()).collect();
        assert!(srcs.contains(&"src/setjmp/wasm32/setjmp.c".into()));
        assert!(!srcs.contains(&"src/setjmp/setjmp.c".into()));
        assert!(srcs.contains(&"src/setjmp/wasm32/wasm_sjlj.c".into()));
        assert!(srcs.contains(&"src/malloc/mallocng/malloc.c".into()));
        assert!(!srcs.iter().any(|s| s.ends_with(".s") || s.contains("rcrt1") || s.contains("tlsdesc")));
        let crt1 = u.iter().find(|u| u.crt).unwrap();
        assert_eq!(crt1.src, PathBuf::from("crt/wasm32/crt1.c"));
        assert_eq!(crt1.obj, PathBuf::from("obj/crt/crt1.o"));
        let sj = u.iter().find(|u| u.src.ends_with("wasm32/setjmp.c")).unwrap();
        assert_eq!(sj.obj, PathBuf::from("obj/src/setjmp/setjmp.o"));
    }

    #[test]
    fn assembly_in_the_overlay_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        touch(d.path(), "src/string/wasm32/memcpy.S");
        let err = units(d.path()).unwrap_err().to_string();
        assert!(err.contains("memcpy.S"), "{err}");
    }
}

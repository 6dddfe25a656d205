//! Embeds `overlay/` into the library so an installed binary is
//! self-contained: generates `$OUT_DIR/overlay_files.rs`, a sorted table of
//! `(relative path, include_bytes!(..))`.

use std::fs;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("overlay");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut src = String::from("pub(crate) static OVERLAY_FILES: &[(&str, &[u8])] = &[\n");
    for f in &files {
        // Directories are watched too, so adding a file triggers a rebuild.
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root).unwrap().to_str().expect("overlay paths are UTF-8");
        src.push_str(&format!("    ({rel:?}, include_bytes!({:?})),\n", f.display().to_string()));
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("overlay_files.rs");
    fs::write(out, src).unwrap();
}

//! The cache key: a sha256 over every input of a sysroot build, so a change
//! to any of them (overlay file, ABI table, flag, clang) selects a new
//! directory and an unchanged set is found without building.

use sha2::{Digest, Sha256};

use crate::{flags, headers, source, units};

/// Bump when the build procedure itself changes in a way the other inputs
/// do not capture (install layout, archive contents).
const RECIPE_REVISION: u32 = 1;

/// Everything a build depends on besides the (hash-pinned) musl source.
pub struct Inputs<'a> {
    pub overlay: &'a [(&'a str, &'a [u8])],
    pub generated: &'a [headers::Generated],
    pub clang_version: &'a str,
    /// Contents of compiler-rt's builtins archive, copied into the sysroot.
    pub builtins: &'a [u8],
}

/// Hex sha256 of the inputs.
pub fn compute(inputs: &Inputs) -> String {
    let mut h = Sha256::new();
    // Length-prefixed fields, so no two input sets serialize the same.
    let mut field = |tag: &str, bytes: &[u8]| {
        h.update(tag.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field("recipe", &RECIPE_REVISION.to_le_bytes());
    field("musl", source::MUSL_SHA256.as_bytes());
    for (path, bytes) in inputs.overlay {
        field("overlay-path", path.as_bytes());
        field("overlay-data", bytes);
    }
    for g in inputs.generated {
        field("gen-path", g.path.as_bytes());
        field("gen-data", g.text.as_bytes());
    }
    for f in flags::TARGET_FLAGS.iter().chain(flags::LIBC_CFLAGS).chain(flags::LIBC_INCLUDES) {
        field("flag", f.as_bytes());
    }
    for (path, _) in units::EXCLUDED {
        field("excluded", path.as_bytes());
    }
    field("clang", inputs.clang_version.as_bytes());
    field("builtins", inputs.builtins);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(overlay: &[(&str, &[u8])], clang: &str, builtins: &[u8]) -> String {
        let generated = headers::all();
        compute(&Inputs { overlay, generated: &generated, clang_version: clang, builtins })
    }

    #[test]
    fn key_is_stable_and_changes_with_each_input() {
        let base = key(&[("a.c", b"x")], "clang 19", b"rt");
        assert_eq!(base, key(&[("a.c", b"x")], "clang 19", b"rt"));
        assert_ne!(base, key(&[("a.c", b"y")], "clang 19", b"rt"), "overlay content");
        assert_ne!(base, key(&[("b.c", b"x")], "clang 19", b"rt"), "overlay path");
        assert_ne!(base, key(&[("a.c", b"x"), ("b.c", b"")], "clang 19", b"rt"), "added file");
        assert_ne!(base, key(&[("a.c", b"x")], "clang 19.1.1", b"rt"), "clang version");
        assert_ne!(base, key(&[("a.c", b"x")], "clang 19", b"rt2"), "builtins");
    }

    #[test]
    fn key_changes_with_generated_headers() {
        let overlay: &[(&str, &[u8])] = &[];
        let mut generated = headers::all();
        let a = compute(&Inputs { overlay, generated: &generated, clang_version: "c", builtins: b"" });
        generated[0].text.push_str("#define __NR_new 999\n");
        let b = compute(&Inputs { overlay, generated: &generated, clang_version: "c", builtins: b"" });
        assert_ne!(a, b);
    }
}

//! Third-party programs built from pinned sources for tests. Nothing of
//! them is committed: the source is downloaded (Debian's source archive),
//! checked against its sha256, and built with the wasmos toolchain into
//! `target/fixtures/`, once per machine and source hash.
//!
//! The steps mirror what a recipe does (fetch, verify, configure with the
//! wrappers, make), so they move to the recipe system unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{target_dir, tool};

/// A source tarball pinned by content.
pub struct Source {
    pub name: &'static str,
    pub url: &'static str,
    pub sha256: &'static str,
}

/// dash 0.5.12, as Debian ships it.
pub const DASH: Source = Source {
    name: "dash-0.5.12",
    url: "http://deb.debian.org/debian/pool/main/d/dash/dash_0.5.12.orig.tar.gz",
    sha256: "6a474ac46e8b0b32916c4c60df694c82058d3297d8b385b74508030ca4a8f28a",
};

fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().expect("running sha256sum");
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or_default().to_string()
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(out.status.success(), "{what} failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Downloads (or reuses) the tarball and returns its path, verified.
pub fn fetch(src: &Source) -> PathBuf {
    let dir = target_dir().join("fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let tarball = dir.join(format!("{}.tar.gz", src.name));
    if !tarball.exists() || sha256_of(&tarball) != src.sha256 {
        let part = tarball.with_extension("part");
        run(Command::new("curl").args(["-fsSL", "--retry", "3", "-o"]).arg(&part).arg(src.url), &format!("downloading {}", src.url));
        let got = sha256_of(&part);
        assert_eq!(got, src.sha256, "{} has sha256 {got}, expected {}", src.url, src.sha256);
        std::fs::rename(&part, &tarball).unwrap();
    }
    tarball
}

/// Builds dash with `wasmos-cc` (autoconf cross build) and returns the path
/// of `dash` (a wasm binary). Serialised across test processes by a lock.
pub fn dash() -> PathBuf {
    let dir = target_dir().join("fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let lock = std::fs::File::create(dir.join("dash.lock")).unwrap();
    lock.lock().expect("locking the dash build");
    let tree = dir.join(DASH.name);
    let out = tree.join("src/dash");
    let stamp = tree.join(".wasmos-built");
    let cc = tool("wasmos-cc");
    let want =
        format!("{} {}", DASH.sha256, std::fs::metadata(&cc).and_then(|m| m.modified()).map(|t| format!("{t:?}")).unwrap_or_default());
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) && out.exists() {
        return out;
    }
    let tarball = fetch(&DASH);
    let _ = std::fs::remove_dir_all(&tree);
    run(Command::new("tar").arg("xzf").arg(&tarball).arg("-C").arg(&dir), "extracting dash");
    let bin = cc.parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    run(
        Command::new("./configure")
            .current_dir(&tree)
            .env("PATH", &path)
            .env("CC", "wasmos-cc")
            .env("AR", "wasmos-ar")
            .env("RANLIB", "wasmos-ranlib")
            .env("CC_FOR_BUILD", "cc")
            .arg("--host=wasm32-unknown-linux-musl"),
        "configuring dash",
    );
    run(Command::new("make").current_dir(&tree).env("PATH", &path).arg("-j2"), "building dash");
    std::fs::write(&stamp, want).unwrap();
    out
}

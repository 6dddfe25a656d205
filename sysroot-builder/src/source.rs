//! Obtaining the pinned musl 1.2.3 source: `--musl-src`, the download cache,
//! Debian's source archive, upstream; every tarball checked by sha256.

use std::fs;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub const MUSL_VERSION: &str = "1.2.3";
pub const MUSL_SHA256: &str = "7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4";
/// Tried in order after `--musl-src` and the cache.
pub const MUSL_URLS: &[&str] =
    &["http://deb.debian.org/debian/pool/main/m/musl/musl_1.2.3.orig.tar.gz", "https://musl.libc.org/releases/musl-1.2.3.tar.gz"];
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a downloaded tarball is kept under the cache directory.
pub fn cache_file(cache: &Path) -> PathBuf {
    cache.join("src").join(format!("musl-{MUSL_VERSION}.tar.gz"))
}

/// Puts the musl tree (the contents of `musl-1.2.3/`) at `dest`.
pub fn materialize(musl_src: Option<&Path>, cache: &Path, dest: &Path) -> Result<()> {
    if let Some(src) = musl_src {
        return from_user_path(src, dest);
    }
    let cached = cache_file(cache);
    let mut tried = Vec::new();
    if cached.is_file() {
        match check_hash(&cached) {
            Ok(()) => return extract(&cached, dest),
            Err(e) => {
                tried.push(format!("  {e} (removed it)"));
                let _ = fs::remove_file(&cached);
            }
        }
    }
    for url in MUSL_URLS {
        match download(url, &cached) {
            Ok(()) => return extract(&cached, dest),
            Err(e) => tried.push(format!("  {url}: {e}")),
        }
    }
    Err(Error::NoMuslSource { tried: tried.join("\n"), cache_file: cached })
}

fn from_user_path(src: &Path, dest: &Path) -> Result<()> {
    let bad = |reason: String| Error::BadMuslSrc { path: src.to_path_buf(), reason };
    if src.is_dir() {
        let version_file = src.join("VERSION");
        let version =
            fs::read_to_string(&version_file).map_err(|e| bad(format!("not a musl source tree ({}: {e})", version_file.display())))?;
        if version.trim() != MUSL_VERSION {
            return Err(bad(format!("VERSION says {:?}, expected {MUSL_VERSION}", version.trim())));
        }
        return copy_tree(src, dest);
    }
    if src.is_file() {
        check_hash(src)?;
        return extract(src, dest);
    }
    Err(bad("no such file or directory (expected musl-1.2.3.tar.gz or its extracted directory)".into()))
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Refuses a tarball that is not the pinned musl release.
pub fn check_hash(path: &Path) -> Result<()> {
    let actual = sha256_file(path)?;
    if actual != MUSL_SHA256 {
        return Err(Error::HashMismatch { file: path.to_path_buf(), expected: MUSL_SHA256.into(), actual });
    }
    Ok(())
}

/// Downloads `url` to `to` via a temp file, keeping it only if the hash is right.
fn download(url: &str, to: &Path) -> Result<()> {
    let dir = to.parent().unwrap();
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let part = to.with_extension(format!("part{}", std::process::id()));
    let result = (|| {
        let agent = ureq::AgentBuilder::new().timeout(DOWNLOAD_TIMEOUT).build();
        let resp = agent.get(url).call().map_err(|e| Error::io(url, std::io::Error::other(e.to_string())))?;
        let mut reader = resp.into_reader();
        let mut file = fs::File::create(&part).map_err(|e| Error::io(&part, e))?;
        std::io::copy(&mut reader, &mut file).map_err(|e| Error::io(url, e))?;
        file.flush().map_err(|e| Error::io(&part, e))?;
        let actual = sha256_file(&part)?;
        if actual != MUSL_SHA256 {
            return Err(Error::HashMismatch { file: PathBuf::from(url), expected: MUSL_SHA256.into(), actual });
        }
        fs::rename(&part, to).map_err(|e| Error::io(to, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&part);
    }
    result
}

/// Unpacks `musl-1.2.3/…` entries of a .tar.gz into `dest`, dropping the
/// top directory and refusing paths that would escape `dest`.
fn extract(tarball: &Path, dest: &Path) -> Result<()> {
    let err = |e: std::io::Error| Error::Extract { file: tarball.to_path_buf(), source: e };
    let file = fs::File::open(tarball).map_err(|e| Error::io(tarball, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    for entry in archive.entries().map_err(err)? {
        let mut entry = entry.map_err(err)?;
        let path = entry.path().map_err(err)?.into_owned();
        let rel: PathBuf = path.components().skip(1).collect();
        if rel.as_os_str().is_empty() {
            continue;
        }
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(err(std::io::Error::other(format!("unsafe path {} in archive", path.display()))));
        }
        let out = dest.join(&rel);
        if let Some(parent) = out.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        entry.unpack(&out).map_err(err)?;
    }
    if !dest.join("VERSION").is_file() {
        return Err(err(std::io::Error::other("no musl VERSION file in the archive")));
    }
    Ok(())
}

/// Copies a source tree, skipping build outputs of an in-place musl build.
fn copy_tree(src: &Path, dest: &Path) -> Result<()> {
    fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    for entry in fs::read_dir(src).map_err(|e| Error::io(src, e))? {
        let entry = entry.map_err(|e| Error::io(src, e))?;
        let name = entry.file_name();
        if ["obj", "lib", ".git", "config.mak"].iter().any(|s| name == *s) {
            continue;
        }
        let (from, to) = (entry.path(), dest.join(&name));
        let ty = entry.file_type().map_err(|e| Error::io(&from, e))?;
        if ty.is_dir() {
            copy_tree(&from, &to)?;
        } else {
            fs::copy(&from, &to).map_err(|e| Error::io(&from, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_tarball_hash_names_both_hashes_and_the_file() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("musl-1.2.3.tar.gz");
        fs::write(&f, b"not musl").unwrap();
        let err = materialize(Some(&f), d.path(), &d.path().join("out")).unwrap_err().to_string();
        assert!(err.contains(MUSL_SHA256), "{err}");
        assert!(err.contains(&hex::encode(Sha256::digest(b"not musl"))), "{err}");
        assert!(err.contains(&f.display().to_string()), "{err}");
    }

    #[test]
    fn no_source_error_says_how_to_provide_it() {
        let e = Error::NoMuslSource { tried: "  x: refused".into(), cache_file: "/c/src/musl-1.2.3.tar.gz".into() };
        let e = e.to_string();
        for part in ["--musl-src PATH", MUSL_SHA256, MUSL_URLS[0], MUSL_URLS[1], "/c/src/musl-1.2.3.tar.gz", "x: refused"] {
            assert!(e.contains(part), "{part} in {e}");
        }
    }

    #[test]
    fn directory_with_wrong_version_is_refused() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("VERSION"), "1.2.4\n").unwrap();
        let err = materialize(Some(d.path()), d.path(), &d.path().join("out")).unwrap_err().to_string();
        assert!(err.contains("--musl-src"), "{err}");
        assert!(err.contains("1.2.4"), "{err}");
    }

    #[test]
    fn directory_without_version_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let err = materialize(Some(d.path()), d.path(), &d.path().join("out")).unwrap_err().to_string();
        assert!(err.contains("not a musl source tree"), "{err}");
    }

    #[test]
    fn missing_path_is_refused() {
        let err = materialize(Some(Path::new("/nonexistent/musl.tgz")), Path::new("/tmp"), Path::new("/tmp/x")).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/musl.tgz") && err.contains("no such file"), "{err}");
    }

    #[test]
    fn good_directory_is_copied_without_build_outputs() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        fs::create_dir_all(src.join("obj")).unwrap();
        fs::create_dir_all(src.join("include")).unwrap();
        fs::write(src.join("VERSION"), "1.2.3\n").unwrap();
        fs::write(src.join("include/stdio.h"), "x").unwrap();
        let out = d.path().join("out");
        materialize(Some(&src), d.path(), &out).unwrap();
        assert!(out.join("include/stdio.h").is_file());
        assert!(!out.join("obj").exists());
    }
}

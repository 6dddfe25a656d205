//! Replacing a linked output in place, atomically, keeping its mode (the
//! linker made it executable, as `cc` does).

use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to a temporary file next to `path` with `path`'s
/// permissions, then renames it over `path`; `tag` names the temporary.
pub fn replace_file(path: &Path, bytes: &[u8], tag: &str) -> Result<()> {
    let perms = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.permissions();
    let tmp = path.with_extension(format!("{tag}-tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::set_permissions(&tmp, perms).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn keeps_the_mode_and_replaces_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.out");
        std::fs::write(&f, b"old").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o751)).unwrap();
        super::replace_file(&f, b"new", "t").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
        assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o751);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary left");
    }
}

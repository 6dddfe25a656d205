//! Stamping a linked module with the `wasmos.abi` custom section.
//!
//! Cheap on purpose (configure scripts link hundreds of conftests): one
//! pass over the section headers, no decoding of their contents.

use std::path::Path;

use wasmos_kernel::abi::{abi_section_payload, ABI_SECTION};

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"\0asm\x01\0\0\0";

fn read_leb_u32(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result: u32 = 0;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        result |= u32::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(result);
        }
    }
    None
}

fn write_leb_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The custom section name of the section whose contents start at
/// `body`, if it is custom.
fn custom_name(body: &[u8]) -> Option<&[u8]> {
    let mut pos = 0;
    let len = read_leb_u32(body, &mut pos)? as usize;
    body.get(pos..pos + len)
}

/// `module` with every `wasmos.abi` section removed and a fresh one
/// (payload: `ABI_VERSION` as u32 LE) appended. `None` if not wasm.
pub fn stamp(module: &[u8]) -> Option<Vec<u8>> {
    if module.get(..8)? != MAGIC {
        return None;
    }
    let mut out = Vec::with_capacity(module.len() + 32);
    out.extend_from_slice(MAGIC);
    let mut pos = 8;
    while pos < module.len() {
        let start = pos;
        let id = module[pos];
        pos += 1;
        let size = read_leb_u32(module, &mut pos)? as usize;
        let body = module.get(pos..pos.checked_add(size)?)?;
        pos += size;
        if id == 0 && custom_name(body) == Some(ABI_SECTION.as_bytes()) {
            continue;
        }
        out.extend_from_slice(&module[start..pos]);
    }
    let mut body = Vec::new();
    write_leb_u32(&mut body, ABI_SECTION.len() as u32);
    body.extend_from_slice(ABI_SECTION.as_bytes());
    body.extend_from_slice(&abi_section_payload());
    out.push(0);
    write_leb_u32(&mut out, body.len() as u32);
    out.extend_from_slice(&body);
    Some(out)
}

/// Stamps the file at `path` in place (via a temp file and rename).
pub fn stamp_file(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let stamped = stamp(&bytes).ok_or_else(|| Error::NotWasm { path: path.to_path_buf() })?;
    crate::replace::replace_file(path, &stamped, "abi")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmos_kernel::abi::ABI_VERSION;

    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        write_leb_u32(&mut body, name.len() as u32);
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        let mut s = vec![0];
        write_leb_u32(&mut s, body.len() as u32);
        s.extend(body);
        s
    }

    fn abi_sections(module: &[u8]) -> Vec<Vec<u8>> {
        let mut found = Vec::new();
        let mut pos = 8;
        while pos < module.len() {
            let id = module[pos];
            pos += 1;
            let size = read_leb_u32(module, &mut pos).unwrap() as usize;
            let body = &module[pos..pos + size];
            if id == 0 && custom_name(body) == Some(ABI_SECTION.as_bytes()) {
                found.push(body[1 + ABI_SECTION.len()..].to_vec());
            }
            pos += size;
        }
        found
    }

    #[test]
    fn appends_and_replaces_the_section() {
        let mut m = MAGIC.to_vec();
        m.extend(custom("name", b"xyz"));
        m.extend(custom(ABI_SECTION, &99u32.to_le_bytes()));
        let stamped = stamp(&m).unwrap();
        assert_eq!(abi_sections(&stamped), vec![ABI_VERSION.to_le_bytes().to_vec()]);
        assert!(stamped.windows(4).any(|w| w == b"name"), "other sections kept");
        // idempotent
        assert_eq!(stamp(&stamped).unwrap(), stamped);
    }

    #[test]
    fn rejects_non_wasm_and_truncation() {
        assert!(stamp(b"\x7fELF....").is_none());
        let mut m = MAGIC.to_vec();
        m.extend([1, 10, 0]);
        assert!(stamp(&m).is_none());
    }

    #[test]
    fn leb_round_trip() {
        for v in [0, 1, 127, 128, 300, 1 << 20, u32::MAX] {
            let mut b = Vec::new();
            write_leb_u32(&mut b, v);
            let mut pos = 0;
            assert_eq!(read_leb_u32(&b, &mut pos), Some(v));
            assert_eq!(pos, b.len());
        }
    }
}

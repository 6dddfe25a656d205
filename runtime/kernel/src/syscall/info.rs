//! System information, randomness, and the process start block.

use alloc::vec::Vec;

use super::*;
use crate::abi::flags::GRND_NONBLOCK;
use crate::abi::layout::UTSNAME_FIELD;
use crate::abi::PAGE_SIZE;
use crate::Kernel;

pub fn uname(k: &mut Kernel, c: &mut Call) -> SysResult {
    let fields: [&[u8]; 6] =
        [b"Linux", &k.config.hostname, b"6.1.0-wasmos", concat!("#1 wasmos ", env!("CARGO_PKG_VERSION")).as_bytes(), b"wasm32", b"(none)"];
    let mut b = [0u8; UTSNAME_FIELD * 6];
    for (i, f) in fields.iter().enumerate() {
        let n = f.len().min(UTSNAME_FIELD - 1);
        b[i * UTSNAME_FIELD..][..n].copy_from_slice(&f[..n]);
    }
    c.write_bytes(c.u32(0), &b)?;
    Ok(0)
}

pub fn sethostname(k: &mut Kernel, c: &mut Call) -> SysResult {
    let len = c.u32(1) as usize;
    if len >= UTSNAME_FIELD {
        return Err(Errno::EINVAL.into());
    }
    if k.proc(c.pid).euid != 0 {
        return Err(Errno::EPERM.into());
    }
    k.config.hostname = c.read_bytes(c.u32(0), len)?;
    Ok(0)
}

/// Linux caps one call at 32 MiB - 1.
const GETRANDOM_MAX: usize = (1 << 25) - 1;

pub fn getrandom(k: &mut Kernel, c: &mut Call) -> SysResult {
    if c.u32(2) & !(GRND_NONBLOCK | crate::abi::flags::GRND_RANDOM) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let len = (c.u32(1) as usize).min(GETRANDOM_MAX);
    let mut buf = [0u8; 4096];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(buf.len());
        k.host.random(&mut buf[..n]);
        c.write_bytes(c.u32(0) + done as u32, &buf[..n])?;
        done += n;
    }
    Ok(len as i64)
}

/// `struct sysinfo` for ILP32: 312 bytes; memory in `mem_unit` of 4 KiB.
pub fn sysinfo(k: &mut Kernel, c: &mut Call) -> SysResult {
    let mut b = [0u8; 312];
    let uptime = (k.host.monotonic_ns() / 1_000_000_000) as u32;
    let put = |b: &mut [u8], off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    put(&mut b, 0, uptime);
    let total_pages = (1u64 << 32) / PAGE_SIZE as u64;
    let used: u64 = k.procs.procs.values().map(|p| p.mm.mem_size / PAGE_SIZE as u64).sum();
    put(&mut b, 16, total_pages as u32);
    put(&mut b, 20, total_pages.saturating_sub(used) as u32);
    b[40..42].copy_from_slice(&(k.process_count() as u16).to_le_bytes());
    put(&mut b, 52, PAGE_SIZE);
    c.write_bytes(c.u32(0), &b)?;
    Ok(0)
}

const AT_NULL: u32 = 0;
const AT_PAGESZ: u32 = 6;
const AT_UID: u32 = 11;
const AT_EUID: u32 = 12;
const AT_GID: u32 = 13;
const AT_EGID: u32 = 14;
const AT_CLKTCK: u32 = 17;
const AT_SECURE: u32 = 23;
const AT_RANDOM: u32 = 25;
const AT_EXECFN: u32 = 31;

/// `wasmos_startinfo(buf, len)`: the Linux initial stack image (argc,
/// argv, envp, auxv, strings) for crt1. Returns the size needed; writes the
/// image only when `buf` is non-null and `len` is large enough. Pointers in
/// it are absolute guest addresses inside `buf`.
pub fn wasmos_startinfo(k: &mut Kernel, c: &mut Call) -> SysResult {
    let (buf, len) = (c.u32(0), c.u32(1) as usize);
    let p = k.proc(c.pid);
    let (argv, envp) = (p.argv.clone(), p.envp.clone());
    let exe = if p.exe.is_empty() { argv.first().cloned().unwrap_or_default() } else { p.exe.clone() };
    let (uid, euid, gid, egid) = (p.uid, p.euid, p.gid, p.egid);
    let aux_count = 10;
    let words = 1 + argv.len() + 1 + envp.len() + 1 + 2 * aux_count;
    let strings: usize = argv.iter().chain(envp.iter()).map(|s| s.len() + 1).sum::<usize>() + exe.len() + 1;
    let need = words * 4 + 16 + strings;
    if buf == 0 || len < need {
        return Ok(need as i64);
    }
    let mut img: Vec<u8> = Vec::with_capacity(need);
    let mut str_at = buf as usize + words * 4 + 16;
    let mut strs: Vec<u8> = Vec::new();
    let mut push_str = |s: &[u8], strs: &mut Vec<u8>| -> u32 {
        let a = str_at as u32;
        strs.extend_from_slice(s);
        strs.push(0);
        str_at += s.len() + 1;
        a
    };
    img.extend_from_slice(&(argv.len() as u32).to_le_bytes());
    for a in &argv {
        let p = push_str(a, &mut strs);
        img.extend_from_slice(&p.to_le_bytes());
    }
    img.extend_from_slice(&0u32.to_le_bytes());
    for e in &envp {
        let p = push_str(e, &mut strs);
        img.extend_from_slice(&p.to_le_bytes());
    }
    img.extend_from_slice(&0u32.to_le_bytes());
    let execfn = push_str(&exe, &mut strs);
    let random_at = buf + (words * 4) as u32;
    let aux: [(u32, u32); 10] = [
        (AT_PAGESZ, PAGE_SIZE),
        (AT_CLKTCK, 100),
        (AT_UID, uid),
        (AT_EUID, euid),
        (AT_GID, gid),
        (AT_EGID, egid),
        (AT_SECURE, 0),
        (AT_RANDOM, random_at),
        (AT_EXECFN, execfn),
        (AT_NULL, 0),
    ];
    for (key, val) in aux {
        img.extend_from_slice(&key.to_le_bytes());
        img.extend_from_slice(&val.to_le_bytes());
    }
    let mut random = [0u8; 16];
    k.host.random(&mut random);
    img.extend_from_slice(&random);
    img.extend_from_slice(&strs);
    debug_assert_eq!(img.len(), need);
    c.write_bytes(buf, &img)?;
    Ok(need as i64)
}

#[cfg(test)]
mod tests {
    use crate::abi::syscalls::nr;
    use crate::testutil::Harness;
    use crate::Errno;

    #[test]
    fn uname_fields() {
        let mut h = Harness::new();
        let u = h.alloc(65 * 6);
        assert_eq!(h.sys(nr::uname, &[u]), 0);
        let field = |h: &Harness, i: u32| {
            let b = h.bytes(u + 65 * i, 65);
            b[..b.iter().position(|&c| c == 0).unwrap()].to_vec()
        };
        assert_eq!(field(&h, 0), b"Linux");
        assert_eq!(field(&h, 1), b"wasmos");
        assert_eq!(field(&h, 4), b"wasm32");
        let name = h.put(b"box");
        assert_eq!(h.sys(nr::sethostname, &[name, 3]), 0);
        assert_eq!(h.sys(nr::uname, &[u]), 0);
        assert_eq!(field(&h, 1), b"box");
        assert_eq!(h.sys(nr::sethostname, &[name, 65]), Errno::EINVAL.neg());
    }

    #[test]
    fn getrandom_fills_buffer() {
        let mut h = Harness::new();
        let b = h.alloc(64);
        assert_eq!(h.sys(nr::getrandom, &[b, 64, 0]), 64);
        assert!(h.bytes(b, 64).iter().any(|&x| x != 0));
        assert_eq!(h.sys(nr::getrandom, &[b, 64, 0x80]), Errno::EINVAL.neg());
    }

    #[test]
    fn startinfo_is_a_linux_initial_stack() {
        let mut h = Harness::new();
        let need = h.sys(nr::wasmos_startinfo, &[0, 0]) as usize;
        let buf = h.alloc(need);
        assert_eq!(h.sys(nr::wasmos_startinfo, &[buf, need as u32 - 1]), need as i64, "too small: size only");
        assert_eq!(h.u32_at(buf), 0, "nothing written");
        assert_eq!(h.sys(nr::wasmos_startinfo, &[buf, need as u32]), need as i64);
        let argc = h.u32_at(buf);
        assert_eq!(argc, 2);
        let cstr = |h: &Harness, a: u32| {
            let b = h.bytes(a, 32);
            b[..b.iter().position(|&c| c == 0).unwrap()].to_vec()
        };
        assert_eq!(cstr(&h, h.u32_at(buf + 4)), b"test");
        assert_eq!(cstr(&h, h.u32_at(buf + 8)), b"arg1");
        assert_eq!(h.u32_at(buf + 12), 0);
        assert_eq!(cstr(&h, h.u32_at(buf + 16)), b"HOME=/root");
        assert_eq!(h.u32_at(buf + 20), 0);
        // auxv: find AT_PAGESZ and AT_RANDOM, ends with AT_NULL.
        let mut a = buf + 24;
        let mut seen = alloc::vec::Vec::new();
        loop {
            let (k, v) = (h.u32_at(a), h.u32_at(a + 4));
            seen.push((k, v));
            a += 8;
            if k == 0 {
                break;
            }
        }
        assert!(seen.contains(&(6, 4096)));
        let random = seen.iter().find(|(k, _)| *k == 25).unwrap().1;
        assert!(random > buf && (random as usize) < buf as usize + need);
    }
}

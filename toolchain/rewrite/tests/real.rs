//! The rewriter on real `wasmos-cc` output: a program that never forks is
//! left alone, and a C program that forks deep in a recursion reached through
//! a function pointer really unwinds and rewinds in two instances under a
//! small fake kernel. Skipped (with a note) when `wasmos-cc` is not built.

use std::path::{Path, PathBuf};
use std::process::Command;

use wasmtime::{Caller, Engine, Instance, Linker, Module, Store};

fn wasmos_cc() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    ["debug", "release"].iter().map(|p| root.join(p).join("wasmos-cc")).find(|p| p.exists())
}

/// Compiles `tests/c/<name>.c`; `None` when the toolchain is not there.
fn compile(name: &str) -> Option<Vec<u8>> {
    let Some(cc) = wasmos_cc() else {
        eprintln!("skipping: wasmos-cc is not built (cargo build --bins -p wasmos-cc)");
        return None;
    };
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c").join(format!("{name}.c"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("{name}.wasm"));
    let status = Command::new(&cc).arg("-O2").arg(&src).arg("-o").arg(&out).output().unwrap();
    assert!(status.status.success(), "wasmos-cc failed: {}", String::from_utf8_lossy(&status.stderr));
    Some(std::fs::read(out).unwrap())
}

fn has_section(wasm: &[u8], name: &str) -> bool {
    wasmparser::Parser::new(0).parse_all(wasm).any(|p| matches!(p, Ok(wasmparser::Payload::CustomSection(c)) if c.name() == name))
}

#[test]
fn a_program_that_never_forks_is_unchanged() {
    let Some(wasm) = compile("hello") else { return };
    assert!(!wasmos_rewrite::imports_fork(&wasm).unwrap());
    let out = wasmos_rewrite::rewrite(&wasm).unwrap();
    assert_eq!(out.wasm, wasm);
    assert_eq!(out.stats.functions_instrumented, 0);
    assert!(!has_section(&wasm, wasmos_rewrite::sections::FORK_SECTION));
}

/// Just enough kernel for the forking program.
struct Proc {
    out: Vec<u8>,
    /// What `wasmos.fork` does: start an unwind (the first process) or fail.
    unwind_on_fork: bool,
}

const AT_PAGESZ: u32 = 6;
const AT_RANDOM: u32 = 25;

fn syscall(mut caller: Caller<'_, Proc>, nr: i32, a: [i32; 6]) -> wasmtime::Result<i32> {
    let mem = caller.get_export("memory").unwrap().into_memory().unwrap();
    Ok(match nr {
        4096 => {
            // wasmos_startinfo: argc, argv, NULL, envp NULL, auxv, strings.
            let (buf, len) = (a[0] as u32, a[1] as u32);
            if len < 64 {
                return Ok(64);
            }
            let words = [1, buf + 56, 0, 0, AT_PAGESZ, 4096, AT_RANDOM, buf + 40, 0, 0];
            let mut image: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            image.extend([7u8; 16]);
            image.extend(b"forky\0");
            mem.write(&mut caller, buf as usize, &image)?;
            0
        }
        64 => {
            let mut bytes = vec![0; a[2] as usize];
            mem.read(&caller, a[1] as usize, &mut bytes)?;
            caller.data_mut().out.extend(bytes);
            a[2]
        }
        66 => {
            let mut total = 0;
            for k in 0..a[2] as usize {
                let mut iov = [0u8; 8];
                mem.read(&caller, a[1] as usize + 8 * k, &mut iov)?;
                let base = u32::from_le_bytes(iov[..4].try_into().unwrap()) as usize;
                let len = u32::from_le_bytes(iov[4..].try_into().unwrap()) as usize;
                let mut bytes = vec![0; len];
                mem.read(&caller, base, &mut bytes)?;
                caller.data_mut().out.extend(bytes);
                total += len as i32;
            }
            total
        }
        29 | 135 => 0, // ioctl, rt_sigprocmask
        96 | 172 => 1, // set_tid_address, getpid
        260 => -10,    // wait4: ECHILD
        93 | 94 => return Err(wasmtime::Error::msg(format!("exit {}", a[0]))),
        _ => -38, // ENOSYS
    })
}

fn instantiate(engine: &Engine, module: &Module, unwind_on_fork: bool) -> (Store<Proc>, Instance) {
    let mut linker: Linker<Proc> = Linker::new(engine);
    linker
        .func_wrap("wasmos", "syscall", |caller: Caller<'_, Proc>, nr: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32| {
            syscall(caller, nr, [a0, a1, a2, a3, a4, a5])
        })
        .unwrap();
    linker
        .func_wrap("wasmos", "fork", |mut caller: Caller<'_, Proc>| -> wasmtime::Result<i32> {
            if !caller.data().unwind_on_fork {
                return Err(wasmtime::Error::msg("fork import called during a rewind"));
            }
            caller.data_mut().unwind_on_fork = false;
            // The buffer goes right below the shadow stack (docs/abi.md).
            let sp = caller.get_export("__stack_pointer").unwrap().into_global().unwrap().get(&mut caller).unwrap_i32();
            let end = (sp - 16) & !7;
            let buf = end - 16 * 1024;
            let mem = caller.get_export("memory").unwrap().into_memory().unwrap();
            mem.write(&mut caller, buf as usize, &[(buf + 8).to_le_bytes(), end.to_le_bytes()].concat())?;
            let start = caller.get_export("__wasmos_fork_start_unwind").unwrap().into_func().unwrap();
            start.typed::<i32, ()>(&caller)?.call(&mut caller, buf)?;
            caller.data_mut().out.extend(format!("[buf {buf}]").as_bytes());
            Ok(0)
        })
        .unwrap();
    let mut store = Store::new(engine, Proc { out: Vec::new(), unwind_on_fork });
    let instance = linker.instantiate(&mut store, module).unwrap();
    (store, instance)
}

fn state(store: &mut Store<Proc>, instance: &Instance) -> i32 {
    instance.get_global(&mut *store, "__wasmos_fork_state").unwrap().get(&mut *store).unwrap_i32()
}

#[test]
fn a_real_program_forks_deep_in_a_recursion() {
    let Some(wasm) = compile("forky") else { return };
    // wasmos-cc already ran the rewriter; running it again changes nothing.
    assert!(has_section(&wasm, wasmos_rewrite::sections::FORK_SECTION));
    assert!(has_section(&wasm, "wasmos.abi"));
    assert_eq!(wasmos_rewrite::rewrite(&wasm).unwrap().wasm, wasm);
    wasmparser::Validator::new().validate_all(&wasm).unwrap();

    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).unwrap();
    let (mut parent, pi) = instantiate(&engine, &module, true);
    pi.get_typed_func::<(), ()>(&mut parent, "_start").unwrap().call(&mut parent, ()).unwrap();
    assert_eq!(state(&mut parent, &pi), 1, "fork unwound the stack: {}", String::from_utf8_lossy(&parent.data().out));
    let buf_note = String::from_utf8(std::mem::take(&mut parent.data_mut().out)).unwrap();
    let buf: i32 = buf_note.trim_start_matches("[buf ").trim_end_matches(']').parse().unwrap();
    pi.get_typed_func::<(), ()>(&mut parent, "__wasmos_fork_stop").unwrap().call(&mut parent, ()).unwrap();

    let (mut child, ci) = instantiate(&engine, &module, false);
    let data = pi.get_memory(&mut parent, "memory").unwrap().data(&parent).to_vec();
    let cm = ci.get_memory(&mut child, "memory").unwrap();
    let grow = (data.len() - cm.data_size(&child)) / 65536;
    cm.grow(&mut child, grow as u64).unwrap();
    cm.data_mut(&mut child).copy_from_slice(&data);
    let names: Vec<String> = pi.exports(&mut parent).map(|e| e.name().to_string()).collect();
    for name in names {
        if let Some(g) = pi.get_global(&mut parent, &name) {
            if g.ty(&parent).mutability().is_var() {
                let v = g.get(&mut parent);
                ci.get_global(&mut child, &name).unwrap().set(&mut child, v).unwrap();
            }
        }
    }

    for (store, instance, pid, expect) in [(&mut parent, &pi, 2, "parent r=65\n"), (&mut child, &ci, 0, "child r=66\n")] {
        let rewind = instance.get_typed_func::<(i32, i32), ()>(&mut *store, "__wasmos_fork_start_rewind").unwrap();
        rewind.call(&mut *store, (buf, pid)).unwrap();
        let err = instance.get_typed_func::<(), ()>(&mut *store, "_start").unwrap().call(&mut *store, ()).unwrap_err();
        assert!(format!("{err:#}").contains("exit 0"), "{err:#}");
        assert_eq!(String::from_utf8_lossy(&store.data().out), expect);
        assert_eq!(state(store, instance), 0);
    }
}

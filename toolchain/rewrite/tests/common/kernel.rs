//! Just enough of a kernel to run small real C programs: start info,
//! writes to stdout, brk/mmap by growing memory, exit, and a `wasmos.fork`
//! that starts an unwind (first call) or refuses to be called.

use wasmtime::{Caller, Engine, Instance, Linker, Module, Store};

/// Just enough kernel for the forking program.
pub struct Proc {
    pub out: Vec<u8>,
    /// The program break.
    pub brk: u32,
    /// What `wasmos.fork` does: start an unwind (the first process) or fail.
    pub unwind_on_fork: bool,
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

pub fn instantiate(engine: &Engine, module: &Module, unwind_on_fork: bool) -> (Store<Proc>, Instance) {
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
            let end = (sp - 128) & !7;
            let buf = end - 16 * 1024;
            let mem = caller.get_export("memory").unwrap().into_memory().unwrap();
            mem.write(&mut caller, buf as usize, &[(buf + 8).to_le_bytes(), end.to_le_bytes()].concat())?;
            let start = caller.get_export("__wasmos_fork_start_unwind").unwrap().into_func().unwrap();
            start.typed::<i32, ()>(&caller)?.call(&mut caller, buf)?;
            caller.data_mut().out.extend(format!("[buf {buf}]").as_bytes());
            Ok(0)
        })
        .unwrap();
    let mut store = Store::new(engine, Proc { out: Vec::new(), brk: 0, unwind_on_fork });
    let instance = linker.instantiate(&mut store, module).unwrap();
    (store, instance)
}

//! A fake wasmos host in wasmtime for the rewriter's tests.

#![allow(dead_code)]

pub mod kernel;

use wasmtime::{Caller, Engine, Extern, Instance, Linker, Module, Store, Val};

/// Where the tests put the fork buffer.
pub const BUF: i32 = 0x8000;
/// Its size.
pub const BUF_SIZE: i32 = 0x4000;

/// What the `wasmos.fork` import does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fork {
    /// Return this value (the original, uninstrumented binary).
    Return(i32),
    /// Start an unwind into [`BUF`] (the rewritten binary).
    Unwind,
    /// Must not be called.
    Trap,
    /// Return the values of [`Host::script`] in turn (an oracle for a
    /// process whose forks returned those values).
    Script,
}

/// Per-instance host state.
pub struct Host {
    pub fork: Fork,
    pub fork_calls: u32,
    pub script: std::collections::VecDeque<i32>,
}

pub fn engine() -> Engine {
    Engine::default()
}

pub fn instantiate(engine: &Engine, wasm: &[u8], fork: Fork) -> (Store<Host>, Instance) {
    let module = Module::new(engine, wasm).unwrap();
    let mut linker: Linker<Host> = Linker::new(engine);
    for name in ["fork", "vfork"] {
        linker
            .func_wrap("wasmos", name, |mut caller: Caller<'_, Host>| -> wasmtime::Result<i32> {
                caller.data_mut().fork_calls += 1;
                match caller.data().fork {
                    Fork::Return(v) => Ok(v),
                    Fork::Trap => Err(wasmtime::format_err!("fork import called")),
                    Fork::Script => caller.data_mut().script.pop_front().ok_or_else(|| wasmtime::format_err!("fork called too often")),
                    Fork::Unwind => {
                        // Initialise the buffer header, then start the unwind.
                        let mem = caller.get_export("memory").unwrap().into_memory().unwrap();
                        let header = [(BUF + 8).to_le_bytes(), (BUF + BUF_SIZE).to_le_bytes()].concat();
                        mem.write(&mut caller, BUF as usize, &header).unwrap();
                        let start = caller.get_export("__wasmos_fork_start_unwind").unwrap().into_func().unwrap();
                        start.typed::<i32, ()>(&caller)?.call(&mut caller, BUF)?;
                        Ok(-1) // ignored by the instrumented caller
                    }
                }
            })
            .unwrap();
    }
    linker
        .func_wrap("env", "invoke_ii", |mut caller: Caller<'_, Host>, index: i32, a: i32| -> wasmtime::Result<i32> {
            let table = caller.get_export("__indirect_function_table").unwrap().into_table().unwrap();
            let f = table.get(&mut caller, index as u64).unwrap();
            let f = f.as_func().unwrap().unwrap();
            f.typed::<i32, i32>(&caller)?.call(&mut caller, a)
        })
        .unwrap();
    let mut store = Store::new(engine, Host { fork, fork_calls: 0, script: Default::default() });
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

/// Reads an i32 global export.
pub fn global_i32(store: &mut Store<Host>, instance: &Instance, name: &str) -> i32 {
    instance.get_global(&mut *store, name).unwrap().get(&mut *store).unwrap_i32()
}

/// Copies memory and every mutable exported global from `from` to `to`.
pub fn copy_process(from: (&mut Store<Host>, &Instance), to: (&mut Store<Host>, &Instance)) {
    let (fs, fi) = from;
    let (ts, ti) = to;
    let fm = fi.get_memory(&mut *fs, "memory").unwrap();
    let tm = ti.get_memory(&mut *ts, "memory").unwrap();
    let data = fm.data(&*fs).to_vec();
    let grow = (data.len() - tm.data_size(&*ts)) as u64 / 65536;
    tm.grow(&mut *ts, grow).unwrap();
    tm.data_mut(&mut *ts).copy_from_slice(&data);
    let names: Vec<String> = fi.exports(&mut *fs).map(|e| e.name().to_string()).collect();
    for name in names {
        if let Some(Extern::Global(g)) = fi.get_export(&mut *fs, &name) {
            if g.ty(&*fs).mutability().is_var() {
                let v: Val = g.get(&mut *fs);
                ti.get_global(&mut *ts, &name).unwrap().set(&mut *ts, v).unwrap();
            }
        }
    }
}

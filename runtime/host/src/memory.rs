//! Guest linear memory as the kernel sees it.

use wasmos_kernel::{Errno, Memory};
use wasmtime::{AsContext, StoreContextMut};

/// One process's exported `memory`, borrowed for the duration of a syscall.
/// Every copy is bounds-checked; nothing here allocates.
pub struct GuestMemory<'a, T: 'static> {
    pub store: StoreContextMut<'a, T>,
    pub mem: wasmtime::Memory,
}

/// The byte range `[addr, addr + len)` if it lies inside `size` bytes.
fn range(addr: u32, len: usize, size: usize) -> Result<std::ops::Range<usize>, Errno> {
    let start = addr as usize;
    let end = start.checked_add(len).ok_or(Errno::EFAULT)?;
    if end > size {
        return Err(Errno::EFAULT);
    }
    Ok(start..end)
}

impl<T: 'static> Memory for GuestMemory<'_, T> {
    fn read(&self, addr: u32, buf: &mut [u8]) -> Result<(), Errno> {
        let data = self.mem.data(self.store.as_context());
        buf.copy_from_slice(&data[range(addr, buf.len(), data.len())?]);
        Ok(())
    }

    fn write(&mut self, addr: u32, src: &[u8]) -> Result<(), Errno> {
        let data = self.mem.data_mut(&mut self.store);
        let r = range(addr, src.len(), data.len())?;
        data[r].copy_from_slice(src);
        Ok(())
    }

    fn size(&self) -> u64 {
        self.mem.data_size(self.store.as_context()) as u64
    }

    fn grow(&mut self, pages: u64) -> Result<u64, Errno> {
        // `Memory::grow` also consults the store's limiter (`--max-memory`).
        self.mem.grow(&mut self.store, pages).map_err(|_| Errno::ENOMEM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmos_kernel::abi::WASM_PAGE;
    use wasmtime::{AsContextMut, Engine, MemoryType, Store};

    #[test]
    fn bounds_checked_copies_and_growth() {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mem = wasmtime::Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
        let mut gm = GuestMemory { store: store.as_context_mut(), mem };
        assert_eq!(gm.size(), WASM_PAGE);
        gm.write(10, b"abc").unwrap();
        let mut b = [0u8; 3];
        gm.read(10, &mut b).unwrap();
        assert_eq!(&b, b"abc");
        let end = WASM_PAGE as u32;
        assert_eq!(gm.read(end - 2, &mut b), Err(Errno::EFAULT));
        assert_eq!(gm.write(u32::MAX, b"x"), Err(Errno::EFAULT));
        gm.read(end - 3, &mut b).unwrap();
        assert_eq!(gm.grow(1), Ok(1));
        assert_eq!(gm.size(), 2 * WASM_PAGE);
        assert_eq!(gm.grow(1), Err(Errno::ENOMEM));
    }
}

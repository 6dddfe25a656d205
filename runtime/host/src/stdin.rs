//! The stdin pump: reads the real stdin only when a guest asks.
//!
//! When a guest read finds the kernel's stdin queue empty the kernel calls
//! [`wasmos_kernel::Host::want_input`], which lands in [`StdinPump::request`].
//! The pump thread (started on the first request) then performs one
//! `read(0)` of up to 64 KiB without holding the kernel lock, hands the
//! bytes to [`wasmos_kernel::Kernel::stdin_input`] (or reports end of file)
//! and publishes the wakeup so the parked reader retries. Because reads
//! happen only on demand, bytes the guest never asks for stay in the host's
//! stdin for whoever reads it next.

use std::sync::{Arc, Condvar, Mutex, Weak};

use crate::shared::Shared;

/// Most bytes one host read delivers.
const CHUNK: usize = 64 * 1024;

#[derive(Default)]
struct PumpState {
    requested: bool,
    started: bool,
}

/// Requests from the kernel to the pump thread.
#[derive(Default)]
pub struct StdinPump {
    state: Mutex<PumpState>,
    cv: Condvar,
    shared: Mutex<Weak<Shared>>,
}

impl StdinPump {
    /// Connects the pump to the kernel it feeds. Until then requests are
    /// remembered but nothing is read.
    pub fn attach(self: &Arc<Self>, shared: &Arc<Shared>) {
        *self.shared.lock().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(shared);
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.requested {
            self.start(st);
        }
    }

    /// The kernel wants input. Called with the kernel locked, so it only
    /// flags the request (and starts the thread the first time).
    pub fn request(self: &Arc<Self>) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.requested {
            return;
        }
        st.requested = true;
        self.cv.notify_one();
        self.start(st);
    }

    fn start(self: &Arc<Self>, mut st: std::sync::MutexGuard<'_, PumpState>) {
        if st.started || self.shared.lock().unwrap_or_else(|e| e.into_inner()).upgrade().is_none() {
            return;
        }
        let me = self.clone();
        if std::thread::Builder::new().name("stdin".into()).spawn(move || me.pump()).is_ok() {
            st.started = true;
        } else {
            tracing::warn!("cannot start the stdin thread; stdin reads will block forever");
        }
    }

    fn pump(self: Arc<Self>) {
        let mut buf = vec![0u8; CHUNK];
        loop {
            {
                let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                while !st.requested {
                    st = self.cv.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                // Cleared before the data is delivered: a reader that drains
                // it and asks again must get another read.
                st.requested = false;
            }
            let n = read_stdin(&mut buf);
            let Some(shared) = self.shared.lock().unwrap_or_else(|e| e.into_inner()).upgrade() else {
                return;
            };
            shared.with_kernel(|k| if n == 0 { k.stdin_eof() } else { k.stdin_input(&buf[..n]) });
        }
    }
}

/// One read from fd 0; errors other than `EINTR` read as end of file.
fn read_stdin(buf: &mut [u8]) -> usize {
    loop {
        // SAFETY: `buf` is a valid writable slice of the given length.
        let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return n as usize;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => {
                let mut p = libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut p, 1, -1) };
            }
            _ => return 0,
        }
    }
}

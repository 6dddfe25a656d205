//! The [`Host`] services of the real machine: clocks, randomness, the
//! process's standard streams and terminal size.

use std::io;
use std::sync::Arc;

use wasmos_kernel::{Errno, Host, StreamKind};

use crate::stdin::StdinPump;

/// Nanoseconds on `CLOCK_MONOTONIC`; [`crate::shared::Shared::park`] uses
/// the same clock for deadlines.
pub fn monotonic_ns() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC)
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the clocks used here
    // always exist on Linux.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// What host fd `fd` is, decided once at startup.
pub fn classify_fd(fd: i32) -> StreamKind {
    // SAFETY: isatty and fstat only inspect the descriptor; `st` is a
    // valid out-parameter.
    unsafe {
        if libc::isatty(fd) == 1 {
            return StreamKind::Tty;
        }
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut st) != 0 {
            // A closed descriptor behaves like /dev/null: reads see end of
            // file, writes go nowhere.
            return StreamKind::Null;
        }
        match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => StreamKind::File,
            libc::S_IFIFO | libc::S_IFSOCK => StreamKind::Pipe,
            libc::S_IFCHR if st.st_rdev == libc::makedev(1, 3) => StreamKind::Null,
            // Other character devices (/dev/zero, a serial line that is not
            // a tty) are streams.
            _ => StreamKind::Pipe,
        }
    }
}

/// The engine's half of the kernel seam on this machine.
pub struct HostServices {
    kinds: [StreamKind; 3],
    stdin: Arc<StdinPump>,
}

impl HostServices {
    pub fn new(stdin: Arc<StdinPump>) -> Self {
        HostServices { kinds: [0, 1, 2].map(classify_fd), stdin }
    }
}

/// Writes all of `data` to host fd `fd`, retrying short writes and
/// `EINTR`, and waiting out `EAGAIN` on a non-blocking descriptor.
pub fn write_all_fd(fd: i32, mut data: &[u8]) -> Result<(), Errno> {
    while !data.is_empty() {
        // SAFETY: `data` is a valid readable slice of the given length.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n >= 0 {
            data = &data[n as usize..];
            continue;
        }
        match io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO) {
            libc::EINTR => {}
            libc::EAGAIN => {
                let mut p = libc::pollfd { fd, events: libc::POLLOUT, revents: 0 };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut p, 1, -1) };
            }
            e => return Err(Errno(e as u16)),
        }
    }
    Ok(())
}

/// Prints one line on the real stderr. Unlike `eprintln!` it cannot panic
/// (a closed or broken stderr just loses the line).
pub fn stderr_line(line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let _ = write_all_fd(2, text.as_bytes());
}

impl Host for HostServices {
    fn realtime_ns(&self) -> u64 {
        clock_ns(libc::CLOCK_REALTIME)
    }

    fn monotonic_ns(&self) -> u64 {
        monotonic_ns()
    }

    fn random(&mut self, buf: &mut [u8]) {
        fill_random(buf);
    }

    fn stream_write(&mut self, stream: u8, data: &[u8]) -> Result<usize, Errno> {
        let fd = match stream {
            1 => 1,
            2 => 2,
            _ => return Err(Errno::EBADF),
        };
        // Unbuffered: the guest's libc does the buffering it wants.
        write_all_fd(fd, data)?;
        Ok(data.len())
    }

    fn stream_kind(&self, stream: u8) -> StreamKind {
        self.kinds.get(stream as usize).copied().unwrap_or(StreamKind::Null)
    }

    fn winsize(&self, stream: u8) -> Option<(u16, u16)> {
        if stream > 2 || self.kinds[stream as usize] != StreamKind::Tty {
            return None;
        }
        // SAFETY: TIOCGWINSZ fills a `winsize`, which `ws` is.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::ioctl(stream as i32, libc::TIOCGWINSZ, &mut ws) };
        (r == 0 && ws.ws_row > 0 && ws.ws_col > 0).then_some((ws.ws_row, ws.ws_col))
    }

    fn want_input(&mut self) {
        self.stdin.request();
    }
}

/// Fills `buf` from the kernel's CSPRNG (`getrandom(2)`, falling back to
/// `/dev/urandom` on kernels without it).
pub fn fill_random(buf: &mut [u8]) {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is a valid writable slice of the given length.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n > 0 {
            done += n as usize;
            continue;
        }
        match io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            _ => {
                use std::io::Read;
                match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(rest)) {
                    Ok(()) => return,
                    // No randomness at all is a broken host; a guest asking
                    // for entropy must not get predictable bytes silently.
                    Err(e) => panic!("no source of randomness on this host: {e}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_and_random() {
        let a = monotonic_ns();
        let b = monotonic_ns();
        assert!(b >= a);
        let mut x = [0u8; 64];
        let mut y = [0u8; 64];
        fill_random(&mut x);
        fill_random(&mut y);
        assert_ne!(x, y);
    }

    #[test]
    fn classifies_pipes_files_and_null() {
        let mut fds = [0; 2];
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        assert_eq!(classify_fd(fds[0]), StreamKind::Pipe);
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        use std::os::fd::AsRawFd;
        let f = tempfile::tempfile().unwrap();
        assert_eq!(classify_fd(f.as_raw_fd()), StreamKind::File);
        let null = std::fs::File::open("/dev/null").unwrap();
        assert_eq!(classify_fd(null.as_raw_fd()), StreamKind::Null);
        assert_eq!(classify_fd(-1), StreamKind::Null);
    }

    #[test]
    fn write_to_closed_pipe_is_epipe() {
        let mut fds = [0; 2];
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        unsafe { libc::close(fds[0]) };
        // Rust ignores SIGPIPE in its own binaries, the test harness too.
        assert_eq!(write_all_fd(fds[1], b"x"), Err(Errno::EPIPE));
        unsafe { libc::close(fds[1]) };
    }
}

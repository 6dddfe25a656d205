//! Character devices: `/dev/null`, `zero`, `full`, `urandom`, and the
//! host's standard streams.

/// Linux `makedev`.
pub const fn makedev(major: u32, minor: u32) -> u64 {
    ((major as u64 & 0xfffff000) << 32) | ((major as u64 & 0xfff) << 8) | ((minor as u64 & 0xffffff00) << 12) | (minor as u64 & 0xff)
}

/// A character device the kernel implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Null,
    Zero,
    Full,
    Random,
    URandom,
    /// `/dev/tty`: the host terminal (input from stream 0, output to 2).
    Tty,
    /// The host's stream 0, 1 or 2, as inherited by the first process.
    HostStream(u8),
}

impl Device {
    /// The `rdev` Linux uses for this device.
    pub fn rdev(self) -> u64 {
        match self {
            Device::Null => makedev(1, 3),
            Device::Zero => makedev(1, 5),
            Device::Full => makedev(1, 7),
            Device::Random => makedev(1, 8),
            Device::URandom => makedev(1, 9),
            Device::Tty => makedev(5, 0),
            Device::HostStream(n) => makedev(136, n as u32),
        }
    }
    /// The device for an `rdev`, when the kernel implements it.
    pub fn from_rdev(rdev: u64) -> Option<Device> {
        [Device::Null, Device::Zero, Device::Full, Device::Random, Device::URandom, Device::Tty]
            .into_iter()
            .chain((0..3).map(Device::HostStream))
            .find(|d| d.rdev() == rdev)
    }
}

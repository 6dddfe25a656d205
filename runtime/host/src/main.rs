//! The `wasmos` binary: everything lives in the library ([`wasmos_host::cli`]).

fn main() {
    std::process::exit(wasmos_host::cli::main());
}

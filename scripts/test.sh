#!/usr/bin/env bash
# Everything CI checks: formatting, lints, the kernel on its no_std targets,
# and the full test suite (unit, end-to-end C programs vs native).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cargo fmt --all --check
cargo build --workspace --bins
# Build the sysroot once up front; every test shares it.
target/debug/wasmos-sysroot
cargo build -p wasmos-kernel --target wasm32-unknown-unknown
cargo build -p wasmos-kernel --target thumbv7em-none-eabihf
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace

#!/usr/bin/env bash
# The whole path on a fresh machine: install the toolchain, build wasmos and
# its musl sysroot, compile examples/hello.c with wasmos-cc, run it on the
# wasmos kernel under wasmtime.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cargo build --release --bins -p wasmos-host -p wasmos-cc -p wasmos-sysroot -p cargo-wasmos
bin=target/release
"$bin/wasmos-cc" --install-links "$bin"
"$bin/wasmos-sysroot"
mkdir -p target/examples
"$bin/wasmos-cc" -O2 examples/hello.c -o target/examples/hello.wasm
echo "--- running target/examples/hello.wasm on wasmos ---" >&2
"$bin/wasmos" run --dir "$PWD/examples:/examples:ro" target/examples/hello.wasm "from the README"

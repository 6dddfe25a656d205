#!/usr/bin/env bash
# Installs what building and testing wasmos needs on Debian: clang/lld 19
# with the wasm32 compiler-rt (plus curl, make and dash for the tests that
# build dash from source), and the Rust targets the kernel is checked
# against. Idempotent: installs only what is missing.
set -euo pipefail

sudo_if_needed() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for pkg in clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 curl make dash; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

installed=$(rustup target list --installed)
for target in wasm32-unknown-unknown thumbv7em-none-eabihf; do
    grep -qx "$target" <<<"$installed" || rustup target add "$target"
done

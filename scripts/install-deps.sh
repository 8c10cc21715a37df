#!/usr/bin/env bash
# Installs what building and testing spanline needs: Debian 12 packages (apt-get)
# and the npm packages of the interop tests. Idempotent: does nothing when all is present.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

debs=(
  cmake ninja-build g++ clang-14 libclang-rt-14-dev ccache pkg-config make
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev libmimalloc-dev libyaml-cpp-dev
  python3 python3-pytest wrk curl chromium
)
# Node.js may come from another apt source already; only ask Debian for it when absent.
command -v node >/dev/null || debs+=(nodejs)
command -v npm >/dev/null || debs+=(npm)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages of the interop tests (the OpenTelemetry JS SDK as an independent
# peer) and of the browser tests (playwright-core). Reinstalled from the lock
# file whenever the lock is newer than the installed tree, so pinned upgrades
# take effect.
for dir in tests/interop tests/browser; do
  pkg="$here/$dir"
  [ -f "$pkg/package-lock.json" ] || continue
  stamp="$pkg/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$pkg/package-lock.json" -nt "$stamp" ]; then
    echo "install-deps: npm ci in $dir"
    (cd "$pkg" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

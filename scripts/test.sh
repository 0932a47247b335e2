#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with CTest:
#   unit, integration and client suites in build/ (labels unit, integration, client),
#   then each libFuzzer target for a bounded time in build-fuzz/ (clang; label fuzz).
# Tests start their own PostgreSQL; nothing here expects a server to be running.
#
# Environment: BUILD_DIR (default build), JOBS (default nproc),
#              PGSHIM_SKIP_FUZZ=1 to skip the fuzz stage.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$jobs"

status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" -LE fuzz || status=$?

if [[ ${PGSHIM_SKIP_FUZZ:-0} != 1 ]]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPGSHIM_BUILD_FUZZ=ON -DPGSHIM_BUILD_BENCH=OFF >/dev/null
  fuzzers=$(ctest --test-dir build-fuzz -N -L fuzz | awk '/Test +#/ {print $3}')
  if [[ -n $fuzzers ]]; then
    # shellcheck disable=SC2086
    cmake --build build-fuzz -j "$jobs" --target $fuzzers
    ctest --test-dir build-fuzz --output-on-failure -L fuzz || status=$?
  fi
fi
exit $status

#!/usr/bin/env bash
# Installs the Debian 12 packages that pgshim's build, tests and benchmarks need.
# Idempotent: packages already present are not touched, and apt is not consulted
# at all when nothing is missing. Used by scripts/run.sh, scripts/test.sh and the
# Dockerfile, so that they cannot drift apart.
#
#   scripts/install-deps.sh            build + runtime + test packages
#   scripts/install-deps.sh --runtime  only what the pgshim binary needs to run
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libssl-dev libpq-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpg-query-dev libprotobuf-c-dev libyaml-cpp-dev
)
runtime_pkgs=(
  postgresql-15 postgresql-client-15 openssl ca-certificates
)
test_pkgs=(
  clang libclang-rt-14-dev
  pgbouncer prometheus prometheus-alertmanager
  python3 python3-psycopg python3-sqlalchemy
  nodejs npm procps iproute2 default-jdk-headless libpostgresql-jdbc-java
)

want=("${build_pkgs[@]}" "${runtime_pkgs[@]}")
if [[ "${1:-}" != "--runtime" ]]; then
  want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  # nodejs may come from elsewhere on a developer machine; a working node is enough.
  if [[ "$p" == nodejs || "$p" == npm ]] && command -v "${p/nodejs/node}" >/dev/null 2>&1; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or install them yourself) and try again" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# The Debian postgresql packages start a cluster on 5432; pgshim's tests and the
# embedded server start their own, so a stock cluster is left as the package made it.

#!/usr/bin/env bash
# The whole test suite, as CI runs it: builds, starts throwaway PostgreSQL and ClickHouse servers on
# 127.0.0.1 (scripts/services.sh, installing them from Debian's packages when absent), runs every test
# (unit, and end-to-end against the in-process fake Matomo into SQLite, PostgreSQL and ClickHouse),
# then stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
source scripts/services.sh
trap services_stop EXIT
trap "exit 130" INT TERM
services_start
swift test --skip-build "$@"

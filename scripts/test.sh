#!/usr/bin/env bash
# The whole test suite, as CI runs it: builds, starts throwaway PostgreSQL and ClickHouse servers on
# 127.0.0.1 (scripts/services.sh, installing them from Debian's packages when absent), runs every test
# (unit, and end-to-end against the in-process fake Matomo into SQLite, PostgreSQL and ClickHouse),
# then the conformance suite against a real Matomo when one is available (scripts/conformance.sh: the
# kit in ../shared/realmatomo, or MATOMO_CONFORMANCE_URL and MATOMO_CONFORMANCE_TOKEN), then the web
# console's browser test (scripts/browser.sh), then stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
source scripts/services.sh
trap services_stop EXIT
trap "exit 130" INT TERM
services_start
status=0
# Every server-backed case runs here: one whose server is missing fails (elsewhere it is reported as not run).
export MATOMO_SYNC_REQUIRE_SERVERS=1
# The conformance tests run below, once, with the Matomo the script provides.
env -u MATOMO_CONFORMANCE_URL swift test --skip-build "$@" || status=$?
bash scripts/conformance.sh --no-build || status=$?
# The web console in headless Chromium (installs chromium, chromium-driver and Selenium when missing).
bash scripts/browser.sh --no-build || status=$?
exit $status

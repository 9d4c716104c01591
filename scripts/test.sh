#!/usr/bin/env bash
# The whole test suite, as CI runs it: builds, then runs every test (unit and end-to-end against the
# in-process fake Matomo on 127.0.0.1). Needs only the Swift toolchain and the packages SwiftPM resolves.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build "$@"

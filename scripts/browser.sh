#!/usr/bin/env bash
# The console's end-to-end test in a real headless browser: Debian's chromium and chromium-driver,
# driven by Selenium (PyPI) under pytest. Installs what is missing (apt-get as root, pip into
# .venv-browser), starts the built matomo-fake and `matomo-sync serve` on random 127.0.0.1 ports,
# and runs Tests/browser/. Screenshots land in .build/browser-screenshots/ (or $SCREENSHOTS).
#   bash scripts/browser.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

browser_log() { echo "browser.sh: $*" >&2; }

browser_install() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" != 0 ]; then
            browser_log "missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) or run as root"
            return 1
        fi
        browser_log "installing ${missing[*]} from Debian's packages"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null || browser_log "apt-get update failed"
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null </dev/null
    fi
    if [ ! -x .venv-browser/bin/python ]; then
        python3 -m venv .venv-browser
    fi
    if ! .venv-browser/bin/python -c "import selenium, pytest" 2>/dev/null; then
        browser_log "installing selenium and pytest from PyPI into .venv-browser"
        .venv-browser/bin/pip install -q "selenium>=4.15,<5" "pytest>=8,<10"
    fi
}

if [ "${1:-}" != "--no-build" ]; then
    swift build --product matomo-sync >/dev/null
    swift build --product matomo-fake >/dev/null
fi
browser_install
BIN=$(swift build --show-bin-path)
export MATOMO_SYNC_BIN="$BIN/matomo-sync" MATOMO_FAKE_BIN="$BIN/matomo-fake"
export SCREENSHOTS="${SCREENSHOTS:-$PWD/.build/browser-screenshots}"
mkdir -p "$SCREENSHOTS"
exec .venv-browser/bin/python -m pytest -q -p no:cacheprovider Tests/browser "${@:2}"

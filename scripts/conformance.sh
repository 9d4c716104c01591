#!/usr/bin/env bash
# The conformance suite: the built matomo-sync against a REAL Matomo, compared with the truth.
#
#   bash scripts/conformance.sh                         # the kit ../shared/realmatomo (a Matomo 5.0.2), when present
#   bash scripts/conformance.sh --tarball matomo.zip    # a Matomo release you name (.zip, .tar.gz, .tar.xz), installed here
#   MATOMO_CONFORMANCE_URL=https://matomo.example.com MATOMO_CONFORMANCE_TOKEN=... bash scripts/conformance.sh
#                                                       # your own instance (a superuser token; nothing is deleted)
# Options: --dir DIR   the local instance's folder (default ~/.cache/matomo-sync/conformance, or
#                      ~/.cache/matomo-sync/conformance-tarball); an instance there is reused, sites and history too
#          --fresh     delete DIR first (what CI does implicitly: its cache is empty)
#          --no-build  the products and tests are built already (scripts/test.sh)
#
# Steps: obtain a Matomo; create three sites through the API (New York and Kolkata with ecommerce and
# goals, one without traffic) and send them more than a year of visits with the project's own
# generator (Sources/conformance-traffic: bulk Tracking API requests, `cdt` in the past), unless DIR
# holds them already; send fresh visits of the last hours (some under an hour old, one at exactly an
# hour); archive (day periods); start PostgreSQL and ClickHouse (scripts/services.sh) unless their URLs
# are set; then run `swift test --skip-build --filter ConformanceTests` with
#   MATOMO_CONFORMANCE_URL, MATOMO_CONFORMANCE_TOKEN, MATOMO_CONFORMANCE_SITE_WEST/_EAST/_EMPTY,
#   MATOMO_CONFORMANCE_MARIADB_SOCKET (empty for your own instance: the visit-log truth checks are then
#   skipped, saying so), MATOMO_CONFORMANCE_STATE (what the generator made).
# Without a Matomo it prints one line and exits 0:
#   conformance: skipped (no real Matomo: see scripts/conformance.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
KIT="$ROOT/../shared/realmatomo/matomo.sh"
TARBALL=""
DIR=""
FRESH=0
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --tarball) TARBALL=$(realpath "$2"); shift 2 ;;
        --dir) DIR="$2"; shift 2 ;;
        --fresh) FRESH=1; shift ;;
        --no-build) BUILD=0; shift ;;
        *) echo "conformance: unknown option $1 (see the head of scripts/conformance.sh)" >&2; exit 2 ;;
    esac
done

say() { echo "conformance: $*" >&2; }
now() { date +%s; }
BEGAN=$(now)

if [ -n "${MATOMO_CONFORMANCE_URL:-}" ]; then
    MODE=user
    [ -n "${MATOMO_CONFORMANCE_TOKEN:-}" ] || { say "MATOMO_CONFORMANCE_URL is set but MATOMO_CONFORMANCE_TOKEN is not"; exit 2; }
elif [ -n "$TARBALL" ]; then
    MODE=tarball
elif [ -x "$KIT" ]; then
    MODE=kit
else
    echo "conformance: skipped (no real Matomo: see scripts/conformance.sh)"
    exit 0
fi

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/matomo-sync"
mkdir -p "$CACHE"
if [ -z "$DIR" ]; then
    if [ "$MODE" = tarball ]; then DIR="$CACHE/conformance-tarball"; else DIR="$CACHE/conformance"; fi
fi
DIR=$(realpath -m "$DIR")

if [ "$BUILD" = 1 ]; then swift build --build-tests; fi

# PostgreSQL and ClickHouse: reused when scripts/test.sh started them, else ours for this run.
STARTED_SERVICES=0
source scripts/services.sh
free_port() { services_free_port; }

# One run at a time per instance folder: every checkout's default is the same folder, and a second
# run's traffic, archiving or `stop` in the middle of this one's checks changes the truth under it.
mkdir -p "$(dirname "$DIR")"
exec 8>"$DIR.run-lock"
if ! flock -n 8; then
    say "another conformance run holds $DIR.run-lock: waiting for it (at most 60 minutes)"
    flock -w 3600 8 || { say "gave up waiting for $DIR.run-lock"; exit 1; }
fi

STARTED_MATOMO=0
cleanup() {
    if [ "$STARTED_MATOMO" = 1 ]; then
        case "$MODE" in
            kit) "$KIT" stop --dir "$DIR" >/dev/null 2>&1 || true ;;
            tarball) tarball_stop || true ;;
        esac
    fi
    if [ "$STARTED_SERVICES" = 1 ]; then services_stop; fi
}
trap cleanup EXIT
trap "exit 130" INT TERM

case "$MODE" in
    kit)
        if [ "$FRESH" = 1 ] && [ -d "$DIR" ]; then "$KIT" stop --dir "$DIR" >/dev/null 2>&1 || true; rm -rf "$DIR"; fi
        if ! out=$("$KIT" status --dir "$DIR" 2>/dev/null); then
            port=$(cat "$DIR/port" 2>/dev/null || true)
            if [ -z "$port" ] || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then port=$(free_port); fi
            out=$("$KIT" start --dir "$DIR" --port "$port")
            STARTED_MATOMO=1
        fi
        eval "$out"
        MATOMO_CONFORMANCE_URL=$MATOMO_URL
        MATOMO_CONFORMANCE_TOKEN=$MATOMO_TOKEN
        MATOMO_CONFORMANCE_MARIADB_SOCKET=$MATOMO_MARIADB_SOCKET
        STATE="$DIR/conformance-state.json"
        archive() { "$KIT" archive --dir "$DIR" --force-periods=day 2>>"$DIR/logs/conformance-archive.log"; }
        ;;
    tarball)
        source scripts/conformance-tarball.sh
        if [ "$FRESH" = 1 ] && [ -d "$DIR" ]; then TARBALL_DIR=$DIR; tarball_stop || true; rm -rf "$DIR"; fi
        tarball_start "$TARBALL" "$DIR"
        MATOMO_CONFORMANCE_URL=$TARBALL_URL
        MATOMO_CONFORMANCE_TOKEN=$TARBALL_TOKEN
        MATOMO_CONFORMANCE_MARIADB_SOCKET=$TARBALL_SOCKET
        STATE="$DIR/conformance-state.json"
        archive() { tarball_archive; }
        ;;
    user)
        MATOMO_CONFORMANCE_MARIADB_SOCKET=""
        STATE="$CACHE/conformance-user-$(printf '%s' "$MATOMO_CONFORMANCE_URL" | sha256sum | cut -c1-16).json"
        archive() { say "your own instance: not archived here (browser-triggered archiving or your cron builds the reports)"; }
        ;;
esac
GOT_MATOMO=$(now)
say "Matomo at $MATOMO_CONFORMANCE_URL ($MODE) in $((GOT_MATOMO - BEGAN)) s"

export MATOMO_CONFORMANCE_TOKEN
sites=$(.build/debug/conformance-traffic setup --url "$MATOMO_CONFORMANCE_URL" --state "$STATE")
eval "$sites"
SENT=$(now)
say "sites west $MATOMO_CONFORMANCE_SITE_WEST, east $MATOMO_CONFORMANCE_SITE_EAST, empty $MATOMO_CONFORMANCE_SITE_EMPTY; traffic in $((SENT - GOT_MATOMO)) s"
archive
ARCHIVED=$(now)
say "archived in $((ARCHIVED - SENT)) s"

if [ -z "${MATOMO_SYNC_TEST_POSTGRES_URL:-}${MATOMO_SYNC_TEST_POSTGRES_ERROR:-}" ]; then
    services_start
    STARTED_SERVICES=1
fi
SERVICES=$(now)

export MATOMO_CONFORMANCE_URL MATOMO_CONFORMANCE_SITE_WEST MATOMO_CONFORMANCE_SITE_EAST MATOMO_CONFORMANCE_SITE_EMPTY \
    MATOMO_CONFORMANCE_MARIADB_SOCKET
export MATOMO_CONFORMANCE_STATE="$STATE"
status=0
swift test --skip-build --filter ConformanceTests || status=$?
ENDED=$(now)
say "$([ $status = 0 ] && echo passed || echo FAILED) in $((ENDED - BEGAN)) s: Matomo $((GOT_MATOMO - BEGAN)) s, traffic $((SENT - GOT_MATOMO)) s, archive $((ARCHIVED - SENT)) s, warehouses $((SERVICES - ARCHIVED)) s, tests $((ENDED - SERVICES)) s"
exit $status

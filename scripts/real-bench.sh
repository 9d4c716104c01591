#!/usr/bin/env bash
# Beside matomo-bench (which measures against the fake): syncs one site of a REAL Matomo and reports
# what it cost, on both sides. Usage:
#
#   MATOMO_URL=http://127.0.0.1:8790 MATOMO_TOKEN=... scripts/real-bench.sh --site 4 --dir /path/to/realmatomo-dir \
#       [--backfill-days 365] [--concurrency 4] [--modes "sequential overlap"] [--binary .build/release/matomo-sync]
#
# --dir is the folder of a realmatomo kit instance (../shared/realmatomo/matomo.sh start --dir DIR): its
# run/php-server.pid and run/mysqld.pid give the server's processes, logs/php-server.log its request log.
#
# Per mode (a fresh SQLite warehouse each, all tables, a full backfill):
#   wall, CPU and peak RSS of matomo-sync (GNU time), its per-table lines (rows, requests, seconds);
#   requests as the server logged them, by API method (php-server.log lines appended during the run);
#   the server's own time: CPU seconds of the PHP server's processes (all its workers) and of MariaDB,
#   from /proc/PID/stat before and after. PHP's built-in server logs no durations (only a
#   one-second timestamp per line), so CPU time is the measure of the server's work.
# Then the floor: PHP's time per Live visit, from pages of 1,000 visits asked one at a time (wall and
# PHP CPU per visit), times the visits synced, divided by the PHP workers (PHP_CLI_SERVER_WORKERS=4;
# on a machine with fewer cores than workers, divided by the cores, which is the real ceiling).
set -euo pipefail

site="" dir="" backfill=365 concurrency=4 modes="sequential overlap" binary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --site) site=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --backfill-days) backfill=$2; shift 2 ;;
        --concurrency) concurrency=$2; shift 2 ;;
        --modes) modes=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        *) echo "real-bench: unknown argument $1" >&2; exit 2 ;;
    esac
done
: "${MATOMO_URL:?set MATOMO_URL}" "${MATOMO_TOKEN:?set MATOMO_TOKEN}"
[ -n "$site" ] && [ -n "$dir" ] || { echo "real-bench: --site and --dir are required" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$binary" ]; then
    (cd "$root" && swift build -c release --product matomo-sync >/dev/null)
    binary="$root/.build/release/matomo-sync"
fi
php_pid=$(cat "$dir/run/php-server.pid")
db_pid=$(cat "$dir/run/mysqld.pid")
log="$dir/logs/php-server.log"
workers=4
cores=$(nproc)
tck=$(getconf CLK_TCK)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export no_proxy=127.0.0.1

# CPU seconds (user+system) of a process group, or of one process.
group_cpu() { ps -o pid= -g "$1" | while read -r p; do awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || true; done \
    | awk -v t="$tck" '{s+=$1} END {printf "%.2f", s/t}'; }
proc_cpu() { awk -v t="$tck" '{printf "%.2f", ($14+$15)/t}' "/proc/$1/stat"; }
api() { curl -s -X POST "$MATOMO_URL/index.php?module=API&format=JSON&$1" --data-urlencode "token_auth=$MATOMO_TOKEN"; }

visits_total=$(api "method=VisitsSummary.get&idSite=$site&period=range&date=last$((backfill + 1))&showColumns=nb_visits" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin).get("value", 0))')
echo "real-bench: site $site of $MATOMO_URL, $visits_total visits in the last $((backfill + 1)) days, concurrency $concurrency"
echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# The floor: Live pages of 1,000 visits, one at a time, over the window.
probe_visits=0 probe_wall=0
php0=$(group_cpu "$php_pid")
for offset in 0 1000 2000; do
    t=$(curl -s -o "$work/page.json" -w '%{time_total}' -X POST \
        "$MATOMO_URL/index.php?module=API&format=JSON&method=Live.getLastVisitsDetails&idSite=$site&period=range&date=last$((backfill + 1))&filter_sort_order=asc&filter_limit=1000&filter_offset=$offset" \
        --data-urlencode "token_auth=$MATOMO_TOKEN")
    n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/page.json")
    probe_visits=$((probe_visits + n))
    probe_wall=$(python3 -c "print($probe_wall + $t)")
done
php1=$(group_cpu "$php_pid")
ms_wall=$(python3 -c "print(round(1000 * $probe_wall / max(1, $probe_visits), 3))")
ms_cpu=$(python3 -c "print(round(1000 * ($php1 - $php0) / max(1, $probe_visits), 3))")
echo "floor probe: $probe_visits visits in 3 Live pages of 1,000 asked one at a time: ${ms_wall} ms wall, ${ms_cpu} ms PHP CPU per visit"

declare -A result
for mode in $modes; do
    extra=()
    [ "$mode" = sequential ] && extra=(--sequential-tables)
    warehouse="sqlite:$work/$mode.sqlite"
    lines0=$(wc -l < "$log")
    p0=$(group_cpu "$php_pid"); d0=$(proc_cpu "$db_pid")
    /usr/bin/time -f '%e %U %S %M' -o "$work/$mode.time" \
        "$binary" sync --url "$MATOMO_URL" --site-id "$site" --warehouse "$warehouse" --backfill-days "$backfill" \
        --concurrency "$concurrency" "${extra[@]}" > "$work/$mode.out" 2>&1 || { cat "$work/$mode.out"; exit 1; }
    p1=$(group_cpu "$php_pid"); d1=$(proc_cpu "$db_pid")
    read -r wall user sys rss < "$work/$mode.time"
    tail -n +"$((lines0 + 1))" "$log" | grep -o 'method=[A-Za-z.]*' | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}' \
        | sed 's/method=//g; s/, $//' > "$work/$mode.methods"
    requests=$(tail -n +"$((lines0 + 1))" "$log" | grep -c '\]: POST /index.php' || true)
    stored=$("$binary" query --warehouse "$warehouse" "SELECT COUNT(*) FROM visits" --format csv 2>/dev/null | tail -1)
    php=$(python3 -c "print(round($p1 - $p0, 2))"); db=$(python3 -c "print(round($d1 - $d0, 2))")
    echo
    echo "== $mode: ${wall} s wall, $(python3 -c "print(round($user + $sys, 2))") s CPU ($user user + $sys sys), peak RSS $((rss / 1024)) MB, $stored visits stored"
    echo "   server: $requests requests ($(cat "$work/$mode.methods")); PHP CPU $php s, MariaDB CPU $db s"
    grep -E '^[a-z_]+ +site ' "$work/$mode.out" | sed 's/^/   /'
    result[$mode]="$wall $php $db $requests $stored"
done

echo
printf '%-12s %8s %10s %12s %9s %8s %10s\n' mode "wall s" "PHP CPU s" "MariaDB CPU s" requests visits "vs floor"
for mode in $modes; do
    read -r wall php db requests stored <<< "${result[$mode]}"
    floor=$(python3 -c "print(round($stored * $ms_wall / 1000 / $workers, 1))")
    floor_cores=$(python3 -c "print(round($stored * $ms_cpu / 1000 / min($workers, $cores), 1))")
    printf '%-12s %8s %10s %12s %9s %8s %10s\n' "$mode" "$wall" "$php" "$db" "$requests" "$stored" \
        "$(python3 -c "print(f'{$wall / max(0.1, $floor):.1f}x')")"
done
echo
echo "floor: $stored visits x ${ms_wall} ms (PHP wall per Live visit) / $workers workers = ${floor} s;" \
     "by CPU: x ${ms_cpu} ms / min($workers workers, $cores cores) = ${floor_cores} s"

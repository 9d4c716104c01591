#!/usr/bin/env bash
# Throwaway PostgreSQL and ClickHouse servers for the tests, sourced by scripts/test.sh:
#   source scripts/services.sh; trap services_stop EXIT; services_start
# Installs them from Debian's packages when absent, starts each on 127.0.0.1 on a free port with its
# data under a temporary folder, waits until it answers, creates a fresh database and exports
#   MATOMO_SYNC_TEST_POSTGRES_URL=postgres://matomo:<pw>@127.0.0.1:<port>/matomo_test
#   MATOMO_SYNC_TEST_CLICKHOUSE_URL=clickhouse://default:<pw>@127.0.0.1:<port>/matomo_test
#   MATOMO_SYNC_TEST_CLICKHOUSE_RECENT_URL=clickhouse://default:<pw>@127.0.0.1:<port>/matomo_test
#     (the current ClickHouse engine, chDB from PyPI, behind scripts/chdb-http.py)
# A server that cannot start exports MATOMO_SYNC_TEST_<KIND>_ERROR instead, so its tests fail saying why.

SERVICES_DIR=""
SERVICES_PG_DATA=""
SERVICES_PG_BIN=""
SERVICES_CH_PID=""
SERVICES_CHDB_PID=""
# The current ClickHouse engine, from PyPI (Debian ships only the 18.16 server): see scripts/chdb-http.py.
SERVICES_CHDB_PACKAGES="chdb==4.4.0 chdb-core==26.9.0"

services_log() { echo "services: $*" >&2; }

# Runs a command as `postgres` when we are root: PostgreSQL refuses to run as root.
services_as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

services_free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$(( (RANDOM % 30000) + 20000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    return 1
}

# Waits up to a minute for an HTTP server to answer at URL, or for its process PID to die.
services_wait_http() {
    for _ in $(seq 1 120); do
        if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
        if ! kill -0 "$2" 2>/dev/null; then return 1; fi
        sleep 0.5
    done
    return 1
}

services_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

services_ch_command() {
    if [ -x /usr/sbin/clickhouse-server ]; then echo /usr/sbin/clickhouse-server
    elif command -v clickhouse-server >/dev/null 2>&1; then command -v clickhouse-server
    elif command -v clickhouse >/dev/null 2>&1; then echo "$(command -v clickhouse) server"
    fi
}

services_install() {
    local missing=()
    [ -n "$(services_pg_bin)" ] || missing+=(postgresql)
    [ -n "$(services_ch_command)" ] || missing+=(clickhouse-server)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        services_log "missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) or run as root"
        return 0
    fi
    services_log "installing ${missing[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || services_log "apt-get update failed"
    apt-get install -y -qq "${missing[@]}" >/dev/null </dev/null || services_log "apt-get install ${missing[*]} failed"
}

services_start_postgres() {
    SERVICES_PG_BIN=$(services_pg_bin)
    if [ -z "$SERVICES_PG_BIN" ]; then
        export MATOMO_SYNC_TEST_POSTGRES_ERROR="PostgreSQL is not installed (apt-get install -y postgresql)"
        return 0
    fi
    local port password dir
    port=$(services_free_port)
    password="pg-$RANDOM$RANDOM-secret"
    dir="$SERVICES_DIR/postgres"
    mkdir -p "$dir"
    echo "$password" > "$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
    SERVICES_PG_DATA="$dir/data"
    if ! services_as_postgres "$SERVICES_PG_BIN/initdb" -D "$SERVICES_PG_DATA" -U matomo --pwfile="$dir/pwfile" \
            --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
        export MATOMO_SYNC_TEST_POSTGRES_ERROR="initdb failed: $(tail -n 3 "$dir/initdb.log" | tr '\n' ' ')"
        SERVICES_PG_DATA=""
        return 0
    fi
    # Speed over durability: the data is thrown away after the run.
    if ! services_as_postgres "$SERVICES_PG_BIN/pg_ctl" -D "$SERVICES_PG_DATA" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null 2>&1; then
        export MATOMO_SYNC_TEST_POSTGRES_ERROR="PostgreSQL did not start on 127.0.0.1:$port: $(tail -n 3 "$dir/server.log" | tr '\n' ' ')"
        return 0
    fi
    if ! PGPASSWORD="$password" "$SERVICES_PG_BIN/psql" -h 127.0.0.1 -p "$port" -U matomo -d postgres -q \
            -c "CREATE DATABASE matomo_test" >/dev/null 2>"$dir/psql.log"; then
        export MATOMO_SYNC_TEST_POSTGRES_ERROR="cannot create the test database: $(cat "$dir/psql.log")"
        return 0
    fi
    export MATOMO_SYNC_TEST_POSTGRES_URL="postgres://matomo:$password@127.0.0.1:$port/matomo_test"
    services_log "PostgreSQL $("$SERVICES_PG_BIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$port"
}

services_start_clickhouse() {
    local command
    command=$(services_ch_command)
    if [ -z "$command" ]; then
        export MATOMO_SYNC_TEST_CLICKHOUSE_ERROR="ClickHouse is not installed (apt-get install -y clickhouse-server)"
        return 0
    fi
    local port tcp password dir
    port=$(services_free_port)
    tcp=$(services_free_port)
    password="ch-$RANDOM$RANDOM-secret"
    dir="$SERVICES_DIR/clickhouse"
    mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
    cat > "$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog><size>100M</size><count>1</count></logger>
    <http_port>$port</http_port>
    <tcp_port>$tcp</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <max_concurrent_queries>50</max_concurrent_queries>
</yandex>
EOF
    cat > "$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
    <users>
        <default>
            <password>$password</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
    # shellcheck disable=SC2086
    $command --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 </dev/null &
    SERVICES_CH_PID=$!
    local url="http://127.0.0.1:$port"
    services_wait_http "$url/ping" "$SERVICES_CH_PID" || true  # the check below says why
    if ! curl -fsS "$url/ping" >/dev/null 2>&1; then
        export MATOMO_SYNC_TEST_CLICKHOUSE_ERROR="ClickHouse did not start on 127.0.0.1:$port: $(tail -q -n 3 "$dir/log/error.log" "$dir/log/stdout.log" 2>/dev/null | tr '\n' ' ')"
        return 0
    fi
    local version
    version=$(curl -fsS -u "default:$password" --data-binary "SELECT version()" "$url/" 2>/dev/null)
    if ! curl -fsS -u "default:$password" --data-binary "CREATE DATABASE matomo_test" "$url/" >/dev/null 2>"$dir/create.log"; then
        export MATOMO_SYNC_TEST_CLICKHOUSE_ERROR="cannot create the test database: $(cat "$dir/create.log")"
        return 0
    fi
    export MATOMO_SYNC_TEST_CLICKHOUSE_URL="clickhouse://default:$password@127.0.0.1:$port/matomo_test"
    services_log "ClickHouse $version on 127.0.0.1:$port"
}

# ClickHouse 26.x as a library (chDB, installed from PyPI into a cache folder once) behind a small
# HTTP front door speaking the part of ClickHouse's HTTP interface matomo-sync uses.
services_start_recent_clickhouse() {
    local cache="${XDG_CACHE_HOME:-$HOME/.cache}/matomo-sync/chdb-4.4.0-26.9.0"
    if [ ! -f "$cache/.complete" ]; then
        services_log "installing the current ClickHouse engine from PyPI ($SERVICES_CHDB_PACKAGES, ~180 MB, once)"
        rm -rf "$cache"; mkdir -p "$cache"
        # shellcheck disable=SC2086
        if ! python3 -m pip install -q --disable-pip-version-check --no-deps --target "$cache" $SERVICES_CHDB_PACKAGES \
                >"$SERVICES_DIR/chdb-pip.log" 2>&1 </dev/null; then
            export MATOMO_SYNC_TEST_CLICKHOUSE_RECENT_ERROR="pip could not install $SERVICES_CHDB_PACKAGES: $(tail -n 3 "$SERVICES_DIR/chdb-pip.log" | tr '\n' ' ')"
            return 0
        fi
        touch "$cache/.complete"
    fi
    local port password dir
    port=$(services_free_port)
    password="chdb-$RANDOM$RANDOM-secret"
    dir="$SERVICES_DIR/chdb"
    mkdir -p "$dir"
    PYTHONPATH="$cache" python3 "$(dirname "${BASH_SOURCE[0]}")/chdb-http.py" "$port" "$dir/data" default "$password" \
        >"$dir/server.log" 2>&1 </dev/null &
    SERVICES_CHDB_PID=$!
    services_wait_http "http://127.0.0.1:$port/" "$SERVICES_CHDB_PID" || true  # the check below says why
    if ! curl -fsS -u "default:$password" --data-binary "CREATE DATABASE IF NOT EXISTS matomo_test" "http://127.0.0.1:$port/" >/dev/null 2>&1; then
        export MATOMO_SYNC_TEST_CLICKHOUSE_RECENT_ERROR="the chDB front door did not start on 127.0.0.1:$port: $(tail -n 3 "$dir/server.log" | tr '\n' ' ')"
        return 0
    fi
    export MATOMO_SYNC_TEST_CLICKHOUSE_RECENT_URL="clickhouse://default:$password@127.0.0.1:$port/matomo_test"
    services_log "ClickHouse $(curl -fsS -u "default:$password" --data-binary "SELECT version()" "http://127.0.0.1:$port/") (chDB) on 127.0.0.1:$port"
}

# Runs a server's start function again, on fresh ports and a fresh folder, when its port was taken
# between services_free_port's probe and the server's bind (a client socket can hold a port that does
# not accept connections: seen once, "Address already in use" from the chDB front door). $2 is the
# variable its failure is reported in, $3 its folder under SERVICES_DIR, $4 (optional) the variable
# holding its process, stopped before the next try.
services_start_retrying() {
    local start=$1 error=$2 folder=$3 pid=${4:-}
    for attempt in 1 2 3; do
        unset "$error"
        "$start"
        case "${!error:-}" in
            *"already in use"*|*"could not bind"*|*"Address in use"*|*"could not create any TCP/IP sockets"*)
                [ "$attempt" = 3 ] && return 0
                services_log "${!error}; trying other ports"
                if [ -n "$pid" ] && [ -n "${!pid:-}" ]; then kill "${!pid}" 2>/dev/null || true; wait "${!pid}" 2>/dev/null || true; fi
                rm -rf "${SERVICES_DIR:?}/$folder" ;;
            *) return 0 ;;
        esac
    done
}

services_start() {
    SERVICES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/matomo-sync-services.XXXXXX")
    chmod 755 "$SERVICES_DIR"
    services_install
    services_start_retrying services_start_postgres MATOMO_SYNC_TEST_POSTGRES_ERROR postgres
    services_start_retrying services_start_clickhouse MATOMO_SYNC_TEST_CLICKHOUSE_ERROR clickhouse SERVICES_CH_PID
    services_start_retrying services_start_recent_clickhouse MATOMO_SYNC_TEST_CLICKHOUSE_RECENT_ERROR chdb SERVICES_CHDB_PID
    [ -n "${MATOMO_SYNC_TEST_POSTGRES_ERROR:-}" ] && services_log "PostgreSQL: $MATOMO_SYNC_TEST_POSTGRES_ERROR"
    [ -n "${MATOMO_SYNC_TEST_CLICKHOUSE_ERROR:-}" ] && services_log "ClickHouse: $MATOMO_SYNC_TEST_CLICKHOUSE_ERROR"
    [ -n "${MATOMO_SYNC_TEST_CLICKHOUSE_RECENT_ERROR:-}" ] && services_log "recent ClickHouse: $MATOMO_SYNC_TEST_CLICKHOUSE_RECENT_ERROR"
    return 0
}

services_stop() {
    if [ -n "$SERVICES_PG_DATA" ] && [ -f "$SERVICES_PG_DATA/postmaster.pid" ]; then
        services_as_postgres "$SERVICES_PG_BIN/pg_ctl" -D "$SERVICES_PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "$SERVICES_CH_PID" ]; then
        kill "$SERVICES_CH_PID" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$SERVICES_CH_PID" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$SERVICES_CH_PID" 2>/dev/null || true
    fi
    if [ -n "$SERVICES_CHDB_PID" ]; then
        kill "$SERVICES_CHDB_PID" 2>/dev/null || true
        for _ in $(seq 1 20); do kill -0 "$SERVICES_CHDB_PID" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$SERVICES_CHDB_PID" 2>/dev/null || true
    fi
    [ -n "$SERVICES_DIR" ] && rm -rf "$SERVICES_DIR"
    SERVICES_PG_DATA=""; SERVICES_CH_PID=""; SERVICES_CHDB_PID=""; SERVICES_DIR=""
}

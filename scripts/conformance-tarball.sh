# A Matomo release tarball as a throwaway local instance, sourced by scripts/conformance.sh --tarball:
#   tarball_start FILE DIR   unpack (once), MariaDB on a socket in DIR (no TCP), PHP's built-in server on
#                            127.0.0.1, Matomo's own installer (tables, superuser, finish) driven with curl
#                            on the first start, a token of its own; sets TARBALL_URL, TARBALL_TOKEN, TARBALL_SOCKET
#   tarball_archive          core:archive of day periods
#   tarball_stop             stops what tarball_start started
# PHP and MariaDB come from Debian's packages (installed when missing, as root). Data stays in DIR, so a
# second run reuses the instance (sites, visits and archives too).

TARBALL_DIR=""
TARBALL_PACKAGES="php-cli php-mysql php-xml php-mbstring php-curl php-gd php-zip php-intl php-bcmath mariadb-server-core mariadb-client-core curl unzip xz-utils tzdata"

tarball_log() { echo "conformance-tarball: $*" >&2; }

tarball_install_packages() {
    if command -v php >/dev/null && command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null && command -v unzip >/dev/null; then return 0; fi
    [ "$(id -u)" = 0 ] || { tarball_log "PHP or MariaDB missing; run: apt-get install -y $TARBALL_PACKAGES"; return 1; }
    tarball_log "installing $TARBALL_PACKAGES"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $TARBALL_PACKAGES >/dev/null </dev/null
}

tarball_sql() { mariadb --no-defaults -S "$TARBALL_DIR/run/mysqld.sock" -uroot -N -B matomo -e "$1"; }

tarball_start() {
    local file=$1
    TARBALL_DIR=$2
    tarball_install_packages
    mkdir -p "$TARBALL_DIR"/{run,logs,tmp}
    local d=$TARBALL_DIR
    if [ ! -f "$d/matomo/index.php" ]; then
        local unpack="$d/unpack"
        rm -rf "$unpack" && mkdir -p "$unpack"
        case "$file" in
            *.zip) unzip -q "$file" -d "$unpack" ;;
            *) tar xf "$file" -C "$unpack" ;;
        esac
        # Releases hold a matomo/ folder (and a "How to install" page beside it).
        local root
        root=$(dirname "$(find "$unpack" -maxdepth 3 -name console -path '*/console' | head -n 1)")
        [ -f "$root/index.php" ] || { tarball_log "no Matomo in $file (no console and index.php found)"; return 1; }
        rm -rf "$d/matomo" && mv "$root" "$d/matomo" && rm -rf "$unpack"
        # The WordPress build's hook (absent from matomo.org releases) would exit without WordPress.
        rm -f "$d/matomo/bootstrap.php"
    fi
    if [ ! -d "$d/mysql/mysql" ]; then
        mariadb-install-db --no-defaults --datadir="$d/mysql" --auth-root-authentication-method=normal \
            --skip-test-db --user="$(id -un)" >"$d/logs/mariadb-install.log" 2>&1
    fi
    if ! [ -S "$d/run/mysqld.sock" ] || ! mariadb --no-defaults -S "$d/run/mysqld.sock" -uroot -e "SELECT 1" >/dev/null 2>&1; then
        setsid mariadbd --no-defaults --datadir="$d/mysql" --socket="$d/run/mysqld.sock" --skip-networking \
            --pid-file="$d/run/mysqld.pid" --user="$(id -un)" --character-set-server=utf8mb4 \
            --innodb-buffer-pool-size=256M --log-error="$d/logs/mariadb.err" </dev/null >/dev/null 2>&1 &
        for _ in $(seq 1 120); do
            mariadb --no-defaults -S "$d/run/mysqld.sock" -uroot -e "SELECT 1" >/dev/null 2>&1 && break
            sleep 0.5
        done
        STARTED_MATOMO=1
    fi
    mariadb --no-defaults -S "$d/run/mysqld.sock" -uroot -e "CREATE DATABASE IF NOT EXISTS matomo CHARACTER SET utf8mb4"
    local port
    port=$(cat "$d/port" 2>/dev/null || true)
    if [ -f "$d/run/php.pid" ] && kill -0 "$(cat "$d/run/php.pid")" 2>/dev/null; then
        :
    else
        if [ -z "$port" ] || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then port=$(services_free_port); fi
        echo "$port" >"$d/port"
        PHP_CLI_SERVER_WORKERS=4 setsid php -d memory_limit=512M -d max_execution_time=0 -S "127.0.0.1:$port" \
            -t "$d/matomo" </dev/null >>"$d/logs/php-server.log" 2>&1 &
        echo $! >"$d/run/php.pid"
        STARTED_MATOMO=1
    fi
    TARBALL_URL="http://127.0.0.1:$port"
    TARBALL_SOCKET="$d/run/mysqld.sock"
    for _ in $(seq 1 60); do curl -s -o /dev/null --noproxy '*' "$TARBALL_URL/matomo.php" && break; sleep 0.5; done
    [ -f "$d/installed" ] || tarball_install "$port"
    # The port may have changed since the install: Matomo only answers its trusted hosts.
    sed -i "s/^trusted_hosts\[\] = \"127.0.0.1:[0-9]*\"/trusted_hosts[] = \"127.0.0.1:$port\"/" "$d/matomo/config/config.ini.php"
    TARBALL_TOKEN=$(cat "$d/token")
    local version
    version=$(curl -s --noproxy '*' -X POST "$TARBALL_URL/index.php?module=API&method=API.getMatomoVersion&format=JSON" \
        --data-urlencode "token_auth=$TARBALL_TOKEN")
    case "$version" in *'"value"'*) tarball_log "Matomo $version at $TARBALL_URL ($d)" ;;
        *) tarball_log "Matomo does not answer with the token: $version"; return 1 ;; esac
}

# Matomo's installer, step by step, as its web pages would submit it: the database step's config file
# first (socket, salt, trusted host), then tables, superuser, finish; then an API token of our own,
# stored hashed the way Matomo stores app tokens (sha512 of token and salt).
tarball_install() {
    local port=$1 d=$TARBALL_DIR salt password token
    salt=$(head -c 32 /dev/urandom | sha256sum | cut -c1-32)
    password=$(head -c 32 /dev/urandom | sha256sum | cut -c1-24)
    token=$(head -c 32 /dev/urandom | md5sum | cut -c1-32)
    cat >"$d/matomo/config/config.ini.php" <<EOF
; <?php exit; ?> DO NOT REMOVE THIS LINE
[database]
host = ""
username = "root"
password = ""
dbname = "matomo"
tables_prefix = "matomo_"
unix_socket = "$d/run/mysqld.sock"
adapter = "PDO\\MYSQL"
charset = "utf8mb4"

[General]
salt = "$salt"
installation_in_progress = 1
trusted_hosts[] = "127.0.0.1:$port"
enable_internet_features = 0
enable_update_communication = 0

[mail]
transport = ""
EOF
    local base="$TARBALL_URL/index.php?module=Installation"
    curl -s --noproxy '*' -o "$d/logs/install-tables.html" "$base&action=tablesCreation"
    curl -s --noproxy '*' -o "$d/logs/install-superuser.html" -X POST "$base&action=setupSuperUser" \
        --data-urlencode "login=admin" --data-urlencode "password=$password" --data-urlencode "password_bis=$password" \
        --data-urlencode "email=admin@conformance.example"
    curl -s --noproxy '*' -o "$d/logs/install-finished.html" -X POST "$base&action=finished" --data-urlencode "submit=1"
    if grep -q installation_in_progress "$d/matomo/config/config.ini.php"; then
        tarball_log "the installer did not finish (pages in $d/logs/install-*.html)"
        return 1
    fi
    tarball_sql "INSERT INTO matomo_user_token_auth (login, description, password, hash_algo, date_created)
                 VALUES ('admin', 'matomo-sync conformance', SHA2(CONCAT('$token', '$salt'), 512), 'sha512', UTC_TIMESTAMP())"
    (umask 077; echo "$token" >"$d/token"; echo "$password" >"$d/admin-password")
    touch "$d/installed"
    tarball_log "installed (superuser admin, password in $d/admin-password)"
}

tarball_archive() {
    (cd "$TARBALL_DIR/matomo" && php -d memory_limit=512M console core:archive --no-ansi --force-periods=day \
        --url="$TARBALL_URL/" >>"$TARBALL_DIR/logs/archive.log" 2>&1)
}

tarball_stop() {
    local d=$TARBALL_DIR
    [ -n "$d" ] || return 0
    if [ -f "$d/run/php.pid" ]; then kill -- -"$(cat "$d/run/php.pid")" 2>/dev/null || kill "$(cat "$d/run/php.pid")" 2>/dev/null || true; rm -f "$d/run/php.pid"; fi
    if [ -f "$d/run/mysqld.pid" ]; then
        local pid
        pid=$(cat "$d/run/mysqld.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
}

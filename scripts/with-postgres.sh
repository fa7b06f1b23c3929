#!/usr/bin/env bash
# Run a command beside a throw-away PostgreSQL:
#   bash scripts/with-postgres.sh .venv/bin/python -m pytest tests/test_store_engines.py
# Installs Debian's `postgresql` package if no server binaries are found, creates a
# cluster in a temporary folder (owned by a non-root user: PostgreSQL refuses to run
# as root), listening only on a Unix socket in that folder, exports
# PLANKB_TEST_DATABASE_URL for the command, and removes everything afterwards.
# The exit status is the command's.
set -euo pipefail

find_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

BIN=$(find_bin || true)
if [ -z "$BIN" ]; then
    echo "with-postgres: 未找到 PostgreSQL，正在安装 Debian 的 postgresql 软件包……" >&2
    SUDO=""
    [ "$(id -u)" != 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    BIN=$(find_bin) || { echo "with-postgres: 安装后仍找不到 initdb" >&2; exit 1; }
fi

DIR=$(mktemp -d /tmp/plankb-pg.XXXXXX)
RUNAS=()
if [ "$(id -u)" = 0 ]; then
    OWNER=postgres
    getent passwd "$OWNER" >/dev/null || OWNER=nobody
    chown "$OWNER" "$DIR"
    RUNAS=(runuser -u "$OWNER" --)
fi
chmod 700 "$DIR"

cleanup() {
    "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT

(cd "$DIR" && "${RUNAS[@]}" "$BIN/initdb" -D "$DIR/data" -U plankb --auth=trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1) \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
(cd "$DIR" && "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-k $DIR -c listen_addresses='' -c max_connections=200" start >/dev/null) \
    || { cat "$DIR/server.log" >&2; exit 1; }
(cd "$DIR" && "${RUNAS[@]}" "$BIN/createdb" -h "$DIR" -U plankb plankb)

export PLANKB_TEST_DATABASE_URL="postgresql://plankb@/plankb?host=$DIR"
export PLANKB_PG_BIN="$BIN"
echo "with-postgres: 临时 PostgreSQL 已启动（$PLANKB_TEST_DATABASE_URL）" >&2
set +e
"$@"
status=$?
set -e
exit $status

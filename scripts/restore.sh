#!/usr/bin/env bash
# 从备份恢复 plankb 的办公数据库：先停止所有 plankb serve，再运行
#   bash scripts/restore.sh 实例目录 备份文件
# SQLite：先校验备份，再把现有数据库改名保留（plankb.sqlite3.恢复前-时间），然后放入备份。
# PostgreSQL（设置了 PLANKB_DATABASE_URL）：pg_restore --clean 覆盖库中 plankb 的表。
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "用法：bash scripts/restore.sh 实例目录 备份文件" >&2
    exit 2
fi
inst=$1
backup=$2
[ -f "$backup" ] || { echo "找不到备份文件：$backup" >&2; exit 1; }
if [ -n "${PLANKB_DATABASE_URL:-}" ]; then
    url=${PLANKB_DATABASE_URL/postgresql+psycopg:/postgresql:}
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --dbname="$url" "$backup"
    echo "已从 $backup 恢复 PostgreSQL 数据库" >&2
else
    [ "$(sqlite3 "$backup" 'PRAGMA integrity_check' 2>/dev/null)" = ok ] \
        || { echo "备份文件不是完好的 SQLite 数据库：$backup" >&2; exit 1; }
    db="$inst/plankb.sqlite3"
    mkdir -p "$inst"
    if [ -f "$db" ]; then
        keep="$db.恢复前-$(date +%Y%m%d%H%M%S)"
        sqlite3 "$db" ".backup '$keep'"  # the current state, consistent, in case the restore was a mistake
        rm -f "$db" "$db-wal" "$db-shm"
        echo "原数据库已另存为 $keep" >&2
    fi
    cp "$backup" "$db.restoring"
    mv "$db.restoring" "$db"
    echo "已从 $backup 恢复 $db" >&2
fi

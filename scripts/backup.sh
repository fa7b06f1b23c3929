#!/usr/bin/env bash
# 备份 plankb 的办公数据库（清单、账号、操作记录），服务运行中即可备份：
#   bash scripts/backup.sh 实例目录 备份文件
# 设置了 PLANKB_DATABASE_URL（PostgreSQL）时用 pg_dump（自定义格式），否则用
# sqlite3 的 .backup（在线、一致，WAL 模式下也安全）。会话密钥与已发布的规划都在数据库中，随之备份。
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "用法：bash scripts/backup.sh 实例目录 备份文件" >&2
    exit 2
fi
inst=$1
out=$2
if [ -n "${PLANKB_DATABASE_URL:-}" ]; then
    url=${PLANKB_DATABASE_URL/postgresql+psycopg:/postgresql:}
    pg_dump --format=custom --no-owner --no-privileges --file="$out" "$url"
    echo "已备份 PostgreSQL 数据库到 $out" >&2
else
    db="$inst/plankb.sqlite3"
    [ -f "$db" ] || { echo "找不到数据库文件：$db" >&2; exit 1; }
    sqlite3 "$db" ".backup '$out'"
    [ "$(sqlite3 "$out" 'PRAGMA integrity_check')" = ok ] || { echo "备份文件校验失败：$out" >&2; exit 1; }
    echo "已备份 $db 到 $out" >&2
fi

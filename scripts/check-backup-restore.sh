#!/usr/bin/env bash
# Tests docs/deploy.md's backup and restore: writes lists and an account, backs up with
# scripts/backup.sh, changes things after the backup, restores with scripts/restore.sh,
# and checks that exactly the backed-up state is back. SQLite by default; PostgreSQL when
# PLANKB_DATABASE_URL is set (e.g. under scripts/with-postgres.sh:
#   bash scripts/with-postgres.sh bash -c 'PLANKB_DATABASE_URL=$PLANKB_TEST_DATABASE_URL bash scripts/check-backup-restore.sh')
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
work=$(mktemp -d /tmp/plankb-backup-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
inst="$work/instance"

echo 'check-backup-1' | "$PY" -m plankb --instance "$inst" user add 备份员 --role editor --password-stdin >/dev/null
"$PY" - "$inst" <<'PY'
import sys
from office.lists import ListStore
s = ListStore.for_instance(sys.argv[1])
tl = s.create_list("备份前的清单", "任务分解表")
(item,) = s.add_items(tl.id, ["gd-ip-14fyp:3.2.p1"])
s.update_item(item.id, item.version, lead_unit="省法院", note="第一行\n第二行")
PY
bash scripts/backup.sh "$inst" "$work/backup.dump" 2>/dev/null
"$PY" - "$inst" <<'PY'
import sys
from office.lists import ListStore
s = ListStore.for_instance(sys.argv[1])
s.create_list("备份后的清单")
tl = s.find_list("备份前的清单")
item = s.items(tl.id)[0]
s.update_item(item.id, item.version, lead_unit="改错了")
PY
bash scripts/restore.sh "$inst" "$work/backup.dump" 2>/dev/null
"$PY" - "$inst" <<'PY'
import sys
from office.audit import AuditLog
from office.lists import ListStore
from office.users import UserStore
s = ListStore.for_instance(sys.argv[1])
names = [t.name for t in s.lists()]
assert names == ["备份前的清单"], names
item = s.items(s.find_list("备份前的清单").id)[0]
assert (item.lead_unit, item.note) == ("省法院", "第一行\n第二行"), item
assert UserStore(s.db).authenticate("备份员", "check-backup-1").name == "备份员"
assert AuditLog(s.db).count() == 6  # user, list name and title, item added, two fields: nothing after the backup
PY
echo "备份与恢复检查通过（$([ -n "${PLANKB_DATABASE_URL:-}" ] && echo PostgreSQL || echo SQLite)）。"

"""docs/deploy.md's backup and restore, run as written (scripts/check-backup-restore.sh)."""
import os
import subprocess
import sys

import pytest

from cli_support import ROOT
from db_support import ENGINES, fresh_pg


@pytest.mark.parametrize("engine", ENGINES)
def test_backup_then_restore_brings_back_exactly_the_backed_up_state(engine):
    env = dict(os.environ, PYTHON=sys.executable)
    env.pop("PLANKB_DATABASE_URL", None)
    if engine == "postgresql":
        env["PLANKB_DATABASE_URL"] = fresh_pg()
    r = subprocess.run(["bash", "scripts/check-backup-restore.sh"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "备份与恢复检查通过" in r.stdout

"""The operations guide's walkthrough, run command by command as an operator would.

Every ``bash`` block of ``docs/operations.md`` marked ``<!-- walkthrough -->`` runs, in
order, in one shell with ``set -euo pipefail``: from an empty PostgreSQL database and
instance folder to a running gunicorn server, its workers, and an upgrade with a backup
first. A command in the guide that fails fails this test, so the guide stays true.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "operations.md"
SERVER = "postgresql://postgres@127.0.0.1:5432"
MARKER = "<!-- walkthrough -->"


def walkthrough_blocks(markdown: str) -> list[str]:
    """Return the marked ``bash`` blocks of ``markdown``, dedented, in order."""
    pattern = re.compile(re.escape(MARKER) + r"\s*\n([ \t]*)```bash\n(.*?)\n[ \t]*```",
                         re.DOTALL)
    return [textwrap.dedent(match.group(2)) for match in pattern.finditer(markdown)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def empty_database() -> str:
    name = f"ppp_walkthrough_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    yield f"{SERVER}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_guide_marks_its_walkthrough() -> None:
    blocks = walkthrough_blocks(GUIDE.read_text(encoding="utf-8"))
    commands = "\n".join(blocks)
    assert len(blocks) >= 4
    for command in ("db upgrade", "doctor", "gunicorn", "data export", "audit verify"):
        assert command in commands, command


def test_an_operator_can_follow_the_walkthrough(empty_database: str, tmp_path: Path) -> None:
    blocks = walkthrough_blocks(GUIDE.read_text(encoding="utf-8"))
    instance = tmp_path / "instance"
    port = _free_port()
    script = "set -euo pipefail\n" + "\n".join(blocks)
    environment = {
        **os.environ,
        # The virtualenv's commands first, as after `make install` with it activated.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": empty_database,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PPP_ASSESS_REDIS_PREFIX": f"walkthrough-{uuid.uuid4().hex[:8]}:",
        "PPP_ASSESS_INSTANCE": str(instance),
        "PPP_ASSESS_BASE_URL": f"http://127.0.0.1:{port}",
        "PPP_ASSESS_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    for name in ("TEST_DATABASE_URL", "SECRET_KEY", "PPP_ASSESS_AUDIT_KEY",
                 "PPP_ASSESS_SIGNING_KEY", "PPP_ASSESS_ENV", "FLASK_APP"):
        environment.pop(name, None)
    try:
        result = subprocess.run(["bash", "-c", script], cwd=ROOT, env=environment,
                                capture_output=True, text=True, timeout=300)
    finally:
        pid_file = instance / "gunicorn.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert '"status":"ok"' in result.stdout.replace(" ", "")
    assert (instance / "before-upgrade.zip").stat().st_size > 0
    # The generated administrator's password is printed once, never logged elsewhere.
    assert "admin@ministry.example" in output

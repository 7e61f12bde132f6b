"""Where the page checkers are: the W3C Nu HTML checker and axe-core.

``make test`` installs both from npm into ``.test-tools`` (``make browser-test-tools``);
the tests never download them, and fail with what to run when they are missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".test-tools" / "node_modules"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"


def required(path: Path) -> Path:
    """Return ``path``, or fail the test saying how to install the checkers."""
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make browser-test-tools`.")
    return path


def java() -> str:
    """Return the Java the HTML checker runs on, or fail the test."""
    found = shutil.which("java")
    if found is None:
        pytest.fail("Java 17 or later is needed for the HTML checker (openjdk-17-jre-headless).")
    return found

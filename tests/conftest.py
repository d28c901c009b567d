"""Shared fixtures: the real datasets in ../shared/data, and small built sites reused across tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def shared_data(name: str) -> Path:
    """Path of a dataset folder in ../shared/data; skips when absent, fails if ATLAS_REQUIRE_SHARED=1."""
    path = SHARED / name
    if not path.is_dir():
        if os.environ.get("ATLAS_REQUIRE_SHARED") == "1":
            pytest.fail(f"{path} is missing and ATLAS_REQUIRE_SHARED=1")
        pytest.skip(f"{path} is absent")
    return path


def run_atlas(*args, cwd=ROOT, check=True) -> subprocess.CompletedProcess:
    """Run the real CLI as a user would: `python -m atlas.cli ARGS`."""
    proc = subprocess.run([sys.executable, "-m", "atlas.cli", *map(str, args)], cwd=cwd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"atlas {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def lesmis_site(tmp_path_factory) -> Path:
    shared_data("newman-network-data")
    out = tmp_path_factory.mktemp("sites") / "lesmis"
    run_atlas("build", "sites/lesmis.toml", "--out", out, "--quiet")
    return out


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo built once per test session (ATLAS_TEST_SITE=<folder> reuses a built one)."""
    if os.environ.get("ATLAS_TEST_SITE"):
        return Path(os.environ["ATLAS_TEST_SITE"]).resolve()
    out = tmp_path_factory.mktemp("sites") / "demo"
    run_atlas("build", "sites/demo.toml", "--out", out, "--quiet")
    return out


@pytest.fixture(scope="module")
def browser():
    """Chromium for a browser test module (one shared across modules: tests.browser.chromium); screenshots go to test-output/."""
    from tests.browser import chromium

    (ROOT / "test-output").mkdir(exist_ok=True)
    yield chromium.acquire()
    chromium.release()

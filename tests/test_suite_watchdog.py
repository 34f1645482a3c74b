"""The suite cannot hang: a test that holds the GIL for ever is ended by tests/watchdog.py.

A subprocess pytest runs a generated file whose first test deadlocks in C while holding the GIL, as
the live-server threads once did on a shared SQLite connection: through ctypes.PyDLL (which keeps the
GIL during the call) it locks a pthread mutex it already holds, a wait that no signal interrupts. So
pytest-timeout's signal method (its handler is Python code) and thread method (a Python thread) both
stay silent. (A catastrophic regex is no such test: the `re` engine checks for signals as it
backtracks, and pytest-timeout ends it.) The second test of the file passes. Under pytest-xdist the worker is killed by the watchdog,
the first test is reported as crashed with the stacks the watchdog wrote, and the second still runs.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HANGS = '''
import ctypes
import time

import pytest


@pytest.mark.timeout(2)
def test_holds_the_gil_for_ever():
    libc = ctypes.PyDLL(None)  # PyDLL: the GIL stays held while the C function runs
    mutex = ctypes.create_string_buffer(64)  # zeroed: PTHREAD_MUTEX_INITIALIZER, a default (non-recursive) mutex
    assert libc.pthread_mutex_lock(mutex) == 0
    libc.pthread_mutex_lock(mutex)  # relocking it waits for ever, in C, with the GIL


def test_still_runs():
    time.sleep(0.1)
    assert True
'''


def run_pytest(tmp_path, *args, budget=120):
    (tmp_path / "test_hangs.py").write_text(HANGS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
    env.update(WATCHDOG_MARGIN="3", PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.watchdog", "-p", "no:django", "-p", "no:cacheprovider",
         "-p", "no:randomly", "--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini"), "-rA", *args,
         str(tmp_path / "test_hangs.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=budget)
    return result, time.monotonic() - started


@pytest.mark.timeout(180)
def test_a_gil_holding_test_is_killed_and_the_run_goes_on_under_xdist(tmp_path):
    pytest.importorskip("xdist")
    result, took = run_pytest(tmp_path, "-n", "1")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert took < 90, f"the run took {took:.0f} s"
    assert "test_holds_the_gil_for_ever" in out and "crashed" in out, out
    assert "watchdog" in out and "did not finish within 5 s" in out, out  # the stacks are in the report
    assert "PASSED test_hangs.py::test_still_runs" in out, out


@pytest.mark.timeout(180)
def test_without_xdist_the_run_ends_instead_of_hanging(tmp_path):
    result, took = run_pytest(tmp_path, "-p", "no:xdist")
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert took < 60, f"the run took {took:.0f} s"
    assert "Timeout (0:00:05)!" in out and "in test_holds_the_gil_for_ever" in out, out  # faulthandler's stacks

"""A hard per-test time-out that fires even when a thread holds the GIL forever.

pytest-timeout (the polite time-out, with a report) needs the GIL in both of its methods: the signal
handler runs Python code in the main thread, and the thread method's timer is a Python thread. A live
server thread stuck in C while holding the GIL (sqlite3_step on a shared connection, a regex that
backtracks for ever) stops both, and the run hangs. faulthandler.dump_traceback_later runs in a C
thread of its own and needs no GIL: here it is armed around each phase of each test (setup, call,
teardown, like pytest-timeout) for the test's time-out plus a margin, and cancelled after the phase.
When it fires it writes every thread's stack and ends the process (exit status 1).

- with pytest-xdist (`make test` runs `-n 2`) only that worker dies: xdist reports the test as crashed,
  this plugin (on the controller) puts the stacks the worker wrote into the report, and the run goes on
  with a new worker;
- without xdist the stacks go to the terminal and the run ends instead of hanging.

Loaded for the suite by pytest.ini (`-p tests.watchdog`). Time-out: the test's `pytest.mark.timeout`,
else `--timeout` / the `timeout` ini value; margin: WATCHDOG_MARGIN seconds (default 30).
tests/test_suite_watchdog.py proves it on a test that holds the GIL for ever.
"""
import faulthandler
import os
import sys
from pathlib import Path

import pytest

MARGIN = float(os.environ.get("WATCHDOG_MARGIN", "30"))
# The real stderr, taken before pytest captures fd 2 (plugins named with -p are imported first).
try:
    _TERMINAL = os.fdopen(os.dup(2), "w", buffering=1)
except OSError:  # no stderr at all
    _TERMINAL = None


def _limit(item) -> float | None:
    marker = item.get_closest_marker("timeout")
    if marker is not None:
        value = marker.kwargs.get("timeout", marker.args[0] if marker.args else None)
        if value is not None:
            return float(value)
    try:
        value = item.config.getoption("timeout")
        if value is None:
            value = item.config.getini("timeout")
    except (ValueError, KeyError):  # pytest-timeout not installed
        value = None
    return float(value) if value not in (None, "") else None


def _log_path(config, worker: str) -> Path:
    return Path(config.rootpath) / "test-artifacts" / "watchdog" / f"{worker}.log"


class _Watchdog:
    def __init__(self, config):
        self.config = config
        self.worker = os.environ.get("PYTEST_XDIST_WORKER")
        self.out = None
        if self.worker:
            path = _log_path(config, self.worker)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.out = open(path, "w", buffering=1)  # noqa: SIM115 (held for the whole session)
        else:
            self.out = _TERMINAL

    def arm(self, item, when):
        limit = _limit(item)
        if not limit or limit <= 0 or self.out is None:
            return False
        deadline = limit + MARGIN
        if self.worker:  # one file per worker, holding the current phase only; on the terminal faulthandler's
            self.out.seek(0)  # own "Timeout (h:mm:ss)!" and the test's frames in the stacks say what hung
            self.out.truncate()
            self.out.write(f"=== watchdog: {item.nodeid} ({when}) did not finish within {deadline:g} s "
                           f"(time-out {limit:g} s + margin {MARGIN:g} s); stacks of every thread:\n")
            self.out.flush()
        faulthandler.dump_traceback_later(deadline, exit=True, file=self.out)
        return True

    def _phase(self, item, when):
        armed = self.arm(item, when)
        try:
            yield
        finally:
            if armed:
                faulthandler.cancel_dump_traceback_later()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item):
        yield from self._phase(item, "setup")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        yield from self._phase(item, "call")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item):
        yield from self._phase(item, "teardown")


_CONFIG = []


def pytest_configure(config):
    _CONFIG.append(config)
    config.pluginmanager.register(_Watchdog(config), "dudao-watchdog")


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem, report, sched):
    """On the xdist controller: a worker died in `crashitem`; if its watchdog fired, show what it wrote."""
    gateway = getattr(getattr(report, "node", None), "gateway", None)
    if gateway is None:
        return
    path = _log_path(_CONFIG[-1], gateway.id)
    try:
        dump = path.read_text(errors="replace")
    except OSError:
        return
    if "Thread 0x" in dump or "Current thread" in dump:  # faulthandler wrote stacks: the watchdog fired
        report.longrepr = f"{report.longrepr}\n{dump.strip()}"
        sys.stderr.flush()

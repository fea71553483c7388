"""The composition sweep (composition_cases.py): every layer op followed by every
elementwise/activation op and a reduction, and the chains users write, each
checked to order 3 and through a gradient penalty against float64 central
differences (composition_worker.py).

The cases run in worker processes that report each case as it goes; a worker
that dies (a segfault) fails the case it was running, by name, and a new
worker takes the rest. All cases run once per session, in two workers.
"""

import os
import subprocess
import sys
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from composition_cases import all_cases  # noqa: E402

CASES = all_cases()
WORKERS = 2
_results = {}
_lock = threading.Lock()


def _run_batch(names, _results=_results):
    """Runs names in workers until each has a result (None: passed, else the
    failure); a crash fails its case."""
    pending = list(names)
    while pending:
        proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "composition_worker.py")] + pending,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            cwd=HERE,
        )
        stderr = []
        drain = threading.Thread(target=stderr.extend, args=(proc.stderr,))
        drain.start()
        running = None
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("START "):
                running = line[6:]
            elif line.startswith("PASS "):
                _results[line[5:]] = None
                running = None
            elif line.startswith("FAIL "):
                name, _, message = line[5:].partition("\t")
                _results[name] = message
                running = None
        rc = proc.wait()
        drain.join()
        if running is not None:
            tail = "".join(stderr[-5:]).strip()[-500:]
            _results[running] = "worker process died (exit status %d) running this case: %s" % (
                rc,
                tail,
            )
        elif rc != 0 and not all(n in _results for n in pending):
            for n in pending:
                _results.setdefault(
                    n, "worker failed to start (exit %d): %s" % (rc, "".join(stderr)[-500:])
                )
        pending = [n for n in pending if n not in _results]


def _results_of_all():
    with _lock:
        if not _results:
            batches = [CASES[i::WORKERS] for i in range(WORKERS)]
            threads = [threading.Thread(target=_run_batch, args=(b,)) for b in batches]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    return _results


@pytest.mark.parametrize("name", CASES)
def test_composition(name):
    message = _results_of_all().get(name, "no result")
    if message is not None:
        pytest.fail("%s: %s" % (name, message))


def test_a_crash_fails_the_case_it_ran_and_the_rest_still_run():
    results = {}
    _run_batch(["dot>sin", "selftest>crash", "dot>tanh"], results)
    assert results["dot>sin"] is None and results["dot>tanh"] is None
    assert "worker process died" in results["selftest>crash"]

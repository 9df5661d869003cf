"""The worker pool of core.pdf.pool: fresh processes fed jobs as JSON lines, results back in order."""
import io
import json
import sys
from pathlib import Path

import pytest

from core.pdf.pool import WorkerError, WorkerPool, serve

ROOT = Path(__file__).resolve().parent.parent

# A worker that squares "n", taking longer over the first jobs so that later ones finish first;
# it fails on n == 13 and exits on n == 99.
WORKER = """
import os, sys, time
from core.pdf.pool import serve

def handle(job):
    if job["n"] == 99:
        os._exit(3)
    if job["n"] == 13:
        raise ValueError("unlucky")
    time.sleep(max(0, 0.3 - job["n"] * 0.05))
    return job["n"] ** 2

serve(sys.stdin.buffer, sys.stdout.buffer, handle)
"""


@pytest.fixture
def pool():
    workers = WorkerPool([sys.executable, "-c", WORKER], 2, cwd=ROOT, timeout=60)
    yield workers
    workers.close()


def test_results_come_back_in_the_order_of_the_jobs(pool):
    results = list(pool.run({"n": n} for n in range(8)))

    assert results == [(n, n * n) for n in range(8)]
    # Each worker reports its memory peak back to the pool, one figure per worker.
    assert len(pool.peaks) == 2 and all(peak > 0 for peak in pool.peaks)


def test_a_failed_job_stops_the_run_with_its_traceback_and_the_workers_still_close(pool):
    with pytest.raises(WorkerError, match="(?s)job 2.*ValueError: unlucky"):
        list(pool.run({"n": n} for n in (1, 2, 13)))

    pool.close()
    assert all(process.poll() is not None for process in pool.processes)


def test_a_worker_that_dies_stops_the_run(pool):
    with pytest.raises(WorkerError, match="exited with code 3"):
        list(pool.run({"n": n} for n in (1, 99, 2)))


def test_a_worker_answers_a_failed_job_and_goes_on_to_the_next():
    requests = io.BytesIO(b"".join(json.dumps({"index": n, "n": n}).encode() + b"\n" for n in (13, 4)))
    replies = io.BytesIO()

    def handle(job):
        if job["n"] == 13:
            raise ValueError("unlucky")
        return job["n"] * 2

    serve(requests, replies, handle)

    failed, done = [json.loads(line) for line in replies.getvalue().splitlines()]
    assert failed["index"] == 13 and "ValueError: unlucky" in failed["error"] and "result" not in failed
    assert done["index"] == 4 and done["result"] == 8

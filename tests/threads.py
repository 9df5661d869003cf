"""Run callables at the same moment, each in its own thread with its own database connection.

The concurrency tests (PostgreSQL only) use it to send what two impatient users, or twenty collectors,
would send at once.
"""
import threading
import time

from django.core.exceptions import ValidationError
from django.db import connections


def run_at_once(jobs, timeout=60):
    """Start every job together; returns (results, refusals, errors): what each job returned, the
    ValidationErrors, and anything else raised."""
    barrier = threading.Barrier(len(jobs))
    results, refusals, errors = [], [], []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait(timeout=30)
            outcome = job()
            with lock:
                results.append(outcome)
        except ValidationError as refused:
            with lock:
                refusals.append(refused)
        except Exception as error:  # noqa: BLE001 - every other failure is reported by the test
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "threads still waiting: a lock was never released"
    return results, refusals, errors

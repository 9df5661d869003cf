"""Worker processes for long rendering: fresh interpreters fed jobs as JSON lines, answering likewise.

Fresh interpreters rather than forks: a Celery prefork worker is a daemonic
process, which multiprocessing forbids to have children, while a plain
subprocess is allowed anywhere; and forking a process that holds database
connections and threads is unsafe in any case. So a worker is a command
(typically a management command) whose loop is `serve`; the workers never
need the database when the jobs name files that this process wrote.

The protocol: a job is a JSON object with an "index"; its answer carries the
same "index", the handler's "result" or the "error" it raised, and the
worker's CPU seconds and peak memory.
"""
import json
import logging
import os
import resource
import selectors
import subprocess
import time
import traceback
from collections.abc import Callable, Iterable, Iterator

log = logging.getLogger(__name__)

ANSWER_TIMEOUT = 600  # seconds a worker may take over one job before the whole run is given up


class WorkerError(RuntimeError):
    """A worker failed a job, died, or went silent; the run is given up."""


class WorkerPool:
    """`count` processes each running `command`; `run` hands them jobs and yields the results in order.

    Each worker keeps two jobs in hand, so it never waits for this process.
    """

    IN_HAND = 2

    def __init__(self, command: list[str], count: int, *, cwd=None, timeout: float = ANSWER_TIMEOUT):
        self.timeout = timeout
        self.processes: list[subprocess.Popen] = []
        try:
            for _ in range(count):
                self.processes.append(subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                       cwd=cwd))
        except BaseException:
            self.close()
            raise
        self.peaks = [0] * count
        self.cpu_seconds = 0.0

    def run(self, jobs: Iterable[dict]) -> Iterator[tuple[int, object]]:
        """Yield (index, result) for each job, in the order of `jobs`, the index counting from 0.

        `jobs` is read only as workers need work, so whatever a job names can
        be made just in time. A job that fails, or a worker that dies or stays
        silent for `timeout` seconds, raises WorkerError.
        """
        jobs = enumerate(jobs)
        in_hand = [0] * len(self.processes)
        buffers = [b""] * len(self.processes)
        finished: dict[int, object] = {}
        following = 0
        selector = selectors.DefaultSelector()
        for number, process in enumerate(self.processes):
            selector.register(process.stdout, selectors.EVENT_READ, number)

        def feed(number: int) -> None:
            while in_hand[number] < self.IN_HAND:
                index, job = next(jobs, (None, None))
                if index is None:
                    return
                self.processes[number].stdin.write(json.dumps({**job, "index": index}).encode() + b"\n")
                self.processes[number].stdin.flush()
                in_hand[number] += 1

        for number in range(len(self.processes)):
            feed(number)
        try:
            while any(in_hand):
                events = selector.select(timeout=self.timeout)
                if not events:
                    raise WorkerError(f"no worker answered in {self.timeout} s")
                for key, _ in events:
                    number = key.data
                    data = os.read(key.fd, 65536)
                    if not data:
                        raise WorkerError(f"worker {number} exited with code {self.processes[number].wait()}")
                    buffers[number] += data
                    *lines, buffers[number] = buffers[number].split(b"\n")
                    for line in lines:
                        answer = json.loads(line)
                        self.peaks[number] = max(self.peaks[number], answer["peak_mb"])
                        self.cpu_seconds += answer["cpu"]
                        if "error" in answer:
                            raise WorkerError(f"worker {number} failed on job {answer['index']}:\n{answer['error']}")
                        in_hand[number] -= 1
                        finished[answer["index"]] = answer["result"]
                        feed(number)
                while following in finished:
                    yield following, finished.pop(following)
                    following += 1
        finally:
            selector.close()

    def close(self) -> None:
        """End the workers: their input is closed, and one that does not stop within ten seconds is killed."""
        for process in self.processes:
            try:
                process.stdin.close()
            except OSError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def serve(requests, replies, handle: Callable[[dict], object]) -> None:
    """A worker's loop: for each job read from `requests` (JSON lines), answer `handle(job)` on `replies`.

    A job that raises is answered with the traceback, and the loop goes on.
    """
    for line in requests:
        job = json.loads(line)
        answer = {"index": job.get("index")}
        started = time.process_time()
        try:
            answer["result"] = handle(job)
        except Exception:
            log.exception("Job %s failed", job.get("index"))
            answer["error"] = traceback.format_exc()
        answer["cpu"] = time.process_time() - started
        answer["peak_mb"] = peak_mb()
        replies.write(json.dumps(answer).encode() + b"\n")
        replies.flush()

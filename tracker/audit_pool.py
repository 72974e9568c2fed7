"""The processes a bulk scrape audits in: auditing is CPU-bound, so threads would share one core.

Kept apart from `tracker.scrape` so that a started process imports only this and the auditors
(0.1 s), not the storage and CLI stack (0.6 s).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from auditors import audit
from auditors.repo import RepoView
from auditors.report import Report

#: The fewest models for which `scrape_hub` starts audit processes (each costs ~0.5 s to start).
PROCESS_POOL_FROM = 200


@contextmanager
def audit_pool(processes: int) -> Iterator[ProcessPoolExecutor | None]:
    """`processes` processes (None for 0), started fresh ("spawn"): forking a process that runs
    threads is unsafe."""
    if processes <= 0:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=_warm_up
    ) as pool:
        pool.submit(int)  # start the processes now, while the first models are fetched
        yield pool


def _warm_up() -> None:
    """Load what every audit reads (the knowledge base, the classifier's weights) as a process
    starts, rather than in its first audit."""
    from auditors.classifier.model import shipped_weights
    from auditors.errors import WeightsUnavailable
    from auditors.knowledge import load_knowledge_base

    load_knowledge_base()
    try:
        shipped_weights()
    except WeightsUnavailable:
        pass  # the audits read sections by headings instead (auditors.classifier.reading)


def audit_each(views: list[RepoView]) -> list[Report]:
    """The audits of `views`, in order (what an audit process is handed)."""
    return [audit(view) for view in views]

"""What recording costs: time spent inside the recorder's hooks, reported in the file.

The recorder runs on Dask's critical threads (the local scheduler's thread, the distributed
scheduler's event loop), so the time its hooks take is what it adds to a run; each hook is
wrapped to add its duration to ``self.busy_ns``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def timed(method: F) -> F:
    """Adds the wall time of each call of ``method`` to ``self.busy_ns``."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter_ns()
        try:
            return method(self, *args, **kwargs)
        finally:
            self.busy_ns += time.perf_counter_ns() - start

    return wrapper  # type: ignore[return-value]

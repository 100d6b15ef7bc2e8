"""``jit_compile="auto"`` between two compiled forms of one step: start on the cheap one, measure, keep the faster.

Which form of a step runs faster depends on the model, not only on the framework: on one CPU thread,
TensorFlow's XLA is 1.3-1.6x faster than its graph executor for an MLP or a transformer block and
0.5x for a small CNN (``docs/performance.md``). A fixed rule therefore loses somewhere. A
``TieredStep`` runs the form that is cheap to build (``first``) and times it; once the step has
spent ``PROMOTE_FACTOR`` times its first (tracing) call, and at least ``PROMOTE_MIN_S`` seconds,
in later calls (a run long enough to amortise a compile that takes a few times a trace; short
runs such as most tests never get there), it builds ``second``, times ``probe_steps``
calls of it after its compiling call, and from then on runs whichever form had the lower median
step time. If ``second`` cannot be built or its first call raises, the step stays on ``first``
(a compile failure happens before any state changes, so that call is re-run on ``first``).

Every call is a real step: the measured calls do the training, nothing is run twice.
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

PROMOTE_FACTOR = 5.0
PROMOTE_MIN_S = 2.0
PROBE_STEPS = 8


class TieredStep:
    """A step that starts as ``first`` and may switch for good to ``make_second()`` when that runs faster.

    Args:
        first: the step as first run (cheap to build), e.g. a graph function.
        make_second: builds the other form, e.g. an XLA-compiled function; called at most once.
        synchronize: waits for a call's outputs (so asynchronous devices are timed honestly).
        promote_after_s: seconds spent in ``first`` (after its first call) before ``second`` is
            tried; by default ``PROMOTE_FACTOR`` times the first call, at least ``PROMOTE_MIN_S``.
        probe_steps: calls of each form compared (medians) before choosing.
    """

    def __init__(
        self,
        first: Callable[..., Any],
        make_second: Callable[[], Callable[..., Any]],
        synchronize: Callable[[Any], None] = lambda out: None,
        promote_after_s: float | None = None,
        probe_steps: int = PROBE_STEPS,
    ) -> None:
        self.first, self.make_second, self.synchronize = first, make_second, synchronize
        self.promote_after_s, self.probe_steps = promote_after_s, probe_steps
        self.chosen: Callable[..., Any] | None = None
        self.second: Callable[..., Any] | None = None
        self.choice: str = "first"  # "first" or "second" once decided; for reports and tests
        self._calls = 0
        self._spent = 0.0
        self._second_compiled = False
        self._first_times: list[float] = []
        self._second_times: list[float] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.chosen is not None:
            return self.chosen(*args, **kwargs)
        if self.second is None:
            return self._run_first(*args, **kwargs)
        return self._run_second(*args, **kwargs)

    def _timed(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        self.synchronize(out)
        return time.perf_counter() - start, out

    def _run_first(self, *args: Any, **kwargs: Any) -> Any:
        seconds, out = self._timed(self.first, *args, **kwargs)
        self._calls += 1
        if self.promote_after_s is None:  # the first call traces: its time sizes the budget
            self.promote_after_s = max(PROMOTE_MIN_S, PROMOTE_FACTOR * seconds)
        elif self._calls > 1:
            self._spent += seconds
            self._first_times = (self._first_times + [seconds])[-self.probe_steps :]
        if self._spent >= self.promote_after_s and len(self._first_times) >= self.probe_steps:
            try:
                self.second = self.make_second()
            except Exception as error:  # noqa: BLE001 - any failure to build keeps the working form
                self._settle(self.first, "first", error)
        return out

    def _run_second(self, *args: Any, **kwargs: Any) -> Any:
        if not self._second_compiled:
            try:
                out = self.second(*args, **kwargs)  # compiles: not timed
                self.synchronize(out)
            except Exception as error:  # noqa: BLE001 - a compiler refusal keeps the working form
                self._settle(self.first, "first", error)
                return self.first(*args, **kwargs)
            self._second_compiled = True
            return out
        seconds, out = self._timed(self.second, *args, **kwargs)
        self._second_times.append(seconds)
        if len(self._second_times) >= self.probe_steps:
            faster = statistics.median(self._second_times) < statistics.median(self._first_times)
            self._settle(*((self.second, "second") if faster else (self.first, "first")))
        return out

    def _settle(self, fn: Callable[..., Any], name: str, error: Exception | None = None) -> None:
        self.chosen, self.choice = fn, name
        if error is not None:
            warnings.warn(
                f'jit_compile="auto": the faster step form could not be built ({type(error).__name__}: {error}); '
                "the step keeps its current form.",
                RuntimeWarning,
                stacklevel=4,
            )

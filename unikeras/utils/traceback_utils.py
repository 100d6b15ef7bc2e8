"""Shorter tracebacks: ``filter_traceback`` drops unikeras's own frames from errors raised through a
function, while ``config.is_traceback_filtering_enabled()``."""

from __future__ import annotations

import functools
import os
import traceback
import types
from collections.abc import Callable
from typing import Any, TypeVar

from unikeras import config

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
F = TypeVar("F", bound=Callable[..., Any])


def _is_internal(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep)


def filtered(tb: types.TracebackType | None) -> types.TracebackType | None:
    """``tb`` without the frames of files inside the unikeras package (the outermost frame is kept
    when every frame is internal)."""
    frames = list(traceback.walk_tb(tb))
    kept: types.TracebackType | None = None
    for frame, line in reversed(frames):
        if not _is_internal(frame.f_code.co_filename):
            kept = types.TracebackType(kept, frame, frame.f_lasti, line)
    if kept is None and frames:
        frame, line = frames[0]
        kept = types.TracebackType(None, frame, frame.f_lasti, line)
    return kept


def filter_traceback(fn: F) -> F:
    """Wrap ``fn`` so that an exception it raises keeps only the frames outside unikeras (while
    traceback filtering is enabled)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not config.is_traceback_filtering_enabled():
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            raise err.with_traceback(filtered(err.__traceback__)) from None

    return wrapper  # type: ignore[return-value]


__all__ = ["filter_traceback", "filtered"]

"""Atomic file writes: a temporary file in the target's folder, fsync, then ``os.replace``.

A reader sees either the old file or the complete new one, never a partial file: if the
writer fails (an exception) the temporary file is removed and the old file is untouched; if
the process dies (SIGKILL, power loss) the old file is still in place and at worst a
``.<name>.*.tmp`` file is left beside it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import BinaryIO


def temp_prefix(filepath: str) -> str:
    """The name prefix of the temporary files written for ``filepath`` (hidden, in the same folder)."""
    return f".{os.path.basename(filepath)}."


@contextlib.contextmanager
def atomic_write(filepath: str | os.PathLike, overwrite: bool = True) -> Iterator[BinaryIO]:
    """``with atomic_write(path) as f: f.write(...)`` replaces ``path`` only once all bytes are on disk.

    Args:
        filepath: the file to create or replace; missing parent folders are created.
        overwrite: when ``False`` and ``filepath`` exists, raise ``FileExistsError`` before writing.
    """
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists and overwrite=False.")
    os.makedirs(folder, exist_ok=True)
    fd, temp = _create_temp(filepath, folder)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} already exists and overwrite=False.")
        os.replace(temp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(folder)


def _create_temp(filepath: str, folder: str) -> tuple[int, str]:
    """A new, exclusive temporary file (created with the usual ``0o666 & ~umask`` permissions, which
    ``tempfile.mkstemp``'s ``0o600`` would not give the final file)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = os.path.join(folder, f"{temp_prefix(filepath)}{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

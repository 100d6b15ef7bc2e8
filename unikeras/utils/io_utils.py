"""Messages to stdout or to the ``logging`` module, following ``config.is_interactive_logging_enabled()``."""

from __future__ import annotations

import logging
import sys

from unikeras.config import disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled

logger = logging.getLogger("unikeras")


def print_msg(message: object, line_break: bool = True) -> None:
    """Write ``message`` to stdout when interactive logging is on, else log it at INFO level on the
    ``"unikeras"`` logger."""
    text = str(message)
    if not is_interactive_logging_enabled():
        logger.info(text)
        return
    text = text + "\n" if line_break else text
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:  # a stdout whose encoding cannot hold the message
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        sys.stdout.write(text.encode(encoding, errors="replace").decode(encoding))
    sys.stdout.flush()


__all__ = ["disable_interactive_logging", "enable_interactive_logging", "is_interactive_logging_enabled", "print_msg"]

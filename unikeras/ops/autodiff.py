"""Forward-mode and custom differentiation (jvp, custom_gradient)."""

from __future__ import annotations

__all__: list[str] = []

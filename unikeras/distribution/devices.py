"""The devices a backend's framework sees."""

from __future__ import annotations

from unikeras import backends, config


def list_devices(device_type: str | None = None) -> list[str]:
    """Devices of the configured backend, e.g. ``["cpu:0", "cpu:1"]``; ``device_type`` (``"cpu"``,
    ``"gpu"``) keeps those of one kind. torch and MXNet name GPUs ``cuda:N`` and ``gpu:N``."""
    names = backends.get(config.backend()).list_devices()
    if device_type is None:
        return names
    kind = device_type.lower()
    aliases = {"gpu": ("gpu", "cuda")}.get(kind, (kind,))
    return [n for n in names if n.split(":")[0] in aliases]

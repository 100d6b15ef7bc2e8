"""Data-parallel training on each framework's own distributed engine (Keras's ``keras.distribution``).

    unikeras.distribution.initialize()                      # reads the launcher's environment
    unikeras.distribution.set_distribution(unikeras.distribution.DataParallel())
    model.fit(x, y, batch_size=256)                         # 256 samples per step over all replicas

See docs/distributed.md for launching on each backend.
"""

from __future__ import annotations

from unikeras.distribution.data_parallel import DataParallel, distribution, set_distribution
from unikeras.distribution.devices import list_devices
from unikeras.distribution.engine import DistributionError
from unikeras.distribution.launch_env import initialize

__all__ = ["DataParallel", "DistributionError", "distribution", "initialize", "list_devices", "set_distribution"]

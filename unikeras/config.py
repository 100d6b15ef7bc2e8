"""Settings: the backend name, floatx, epsilon, image data format, float32 matmul precision and the global dtype policy.

The backend comes from ``UNIKERAS_BACKEND``, then ``~/.unikeras/unikeras.json``
(``{"backend": "jax"}``; the folder moves with ``UNIKERAS_HOME``), then the default, torch.
Choosing a backend imports nothing; its framework loads on first use.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from unikeras import backends

DEFAULT_BACKEND = "torch"
_FLOATX_CHOICES = ("float16", "bfloat16", "float32", "float64")
_DATA_FORMATS = ("channels_last", "channels_first")
FLOAT32_MATMUL_PRECISIONS = ("highest", "high")


def config_path() -> Path:
    """Where the config file is read from."""
    home = os.environ.get("UNIKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".unikeras")
    return Path(home) / "unikeras.json"


def _read_config_file() -> dict:
    path = config_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ValueError(f"Cannot read the unikeras config file {path}: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"The unikeras config file {path} must hold a JSON object, found {type(data).__name__}.")
    return data


def _initial_backend() -> str:
    name = os.environ.get("UNIKERAS_BACKEND") or _read_config_file().get("backend") or DEFAULT_BACKEND
    return backends.check_name(name)


_file_settings = _read_config_file()
_backend_name: str = _initial_backend()
_floatx: str = _file_settings.get("floatx", "float32")
_epsilon: float = float(_file_settings.get("epsilon", 1e-7))
_image_data_format: str = _file_settings.get("image_data_format", "channels_last")
_float32_matmul_precision: str = _file_settings.get("float32_matmul_precision", "highest")
_dtype_policy: Any = None  # a DTypePolicy set by set_dtype_policy; None follows floatx()
_floatx_policies: dict[str, Any] = {}


def backend() -> str:
    """The name of the backend new layers and ops use."""
    return _backend_name


def set_backend(name: str) -> None:
    """Use backend ``name`` for what is built and run next (no restart needed).

    Models built before keep the backend they were built on.
    """
    global _backend_name
    _backend_name = backends.check_name(name)
    backends._reset_active()


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[None]:
    """``with use_backend("jax"):`` builds and runs on jax inside the block."""
    previous = _backend_name
    set_backend(name)
    try:
        yield
    finally:
        set_backend(previous)


def floatx() -> str:
    """Default float dtype name (``"float32"``)."""
    return _floatx


def set_floatx(value: str) -> None:
    global _floatx
    if value not in _FLOATX_CHOICES:
        raise ValueError(f"floatx must be one of {_FLOATX_CHOICES}, received {value!r}.")
    _floatx = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (``1e-7``)."""
    return _epsilon


def set_epsilon(value: float) -> None:
    global _epsilon
    _epsilon = float(value)


def image_data_format() -> str:
    """``"channels_last"`` (default) or ``"channels_first"``."""
    return _image_data_format


def standardize_data_format(data_format: str | None, owner: str) -> str:
    """``data_format``, or ``image_data_format()`` when ``None``; a clear error naming ``owner``
    (e.g. ``"Conv2D 'conv'"``) for anything else."""
    data_format = data_format or _image_data_format
    if data_format not in _DATA_FORMATS:
        raise ValueError(f"{owner}: `data_format` must be one of {_DATA_FORMATS}, received {data_format!r}.")
    return data_format


def set_image_data_format(data_format: str) -> None:
    global _image_data_format
    if data_format not in _DATA_FORMATS:
        raise ValueError(f"image_data_format must be one of {_DATA_FORMATS}, received {data_format!r}.")
    _image_data_format = data_format


def float32_matmul_precision() -> str:
    """How float32 matrix products and convolutions run on GPUs: ``"highest"`` or ``"high"``.

    ``"highest"`` (the default) computes them in full float32 on every backend, so that the
    backends agree to float32 rounding on a GPU as they do on a CPU. ``"high"`` lets the GPU use
    TensorFloat-32 (inputs rounded to 10 mantissa bits; NVIDIA Ampere and later), which is faster
    and what TensorFlow, JAX and PyTorch's cuDNN do by default. CPUs compute float32 either way.
    """
    return _float32_matmul_precision


def set_float32_matmul_precision(precision: str) -> None:
    """Set ``float32_matmul_precision()`` for the backends loaded now and later.

    It sets each framework's own switch (``torch.backends.cuda.matmul.allow_tf32`` and
    ``torch.backends.cudnn.allow_tf32``, ``jax_default_matmul_precision``,
    ``tf.config.experimental.enable_tensor_float_32_execution``), which other code in the
    process shares. MXNet reads its switch (``NVIDIA_TF32_OVERRIDE``) once, at import.
    """
    global _float32_matmul_precision
    if precision not in FLOAT32_MATMUL_PRECISIONS:
        raise ValueError(
            f"float32_matmul_precision must be one of {FLOAT32_MATMUL_PRECISIONS}, received {precision!r}."
        )
    _float32_matmul_precision = precision
    for adapter in backends.loaded():
        adapter.set_float32_matmul_precision(precision)


def dtype_policy() -> Any:
    """The global dtype policy (a ``DTypePolicy``) that new layers take: the one given to
    ``set_dtype_policy``, else the policy named by ``floatx()``."""
    if _dtype_policy is not None:
        return _dtype_policy
    policy = _floatx_policies.get(_floatx)
    if policy is None:
        from unikeras.dtype_policies import DTypePolicy

        policy = _floatx_policies[_floatx] = DTypePolicy(_floatx)
    return policy


def set_dtype_policy(policy: Any) -> None:
    """Set the global dtype policy: a name (``"mixed_float16"``, ``"mixed_bfloat16"``, ``"float32"``,
    ``"float64"``, ``"float16"``, ``"bfloat16"``) or a ``DTypePolicy``. Layers created afterwards
    take it unless their ``dtype`` argument names another."""
    from unikeras.dtype_policies import DTypePolicy

    global _dtype_policy
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        raise ValueError(
            "set_dtype_policy(): expected the name of a policy (such as 'mixed_float16') or a DTypePolicy, "
            f"received {policy!r} (of type {type(policy).__name__})."
        )
    _dtype_policy = policy


# ---------------------------------------------------------------------------------------------- debug limits
def _limit_from_environment(variable: str) -> int | None:
    """A positive int from ``variable`` (Keras's name for the same limit), else None."""
    text = os.environ.get(variable)
    if not text:
        return None
    try:
        return _check_limit(int(text), variable)
    except ValueError:
        raise ValueError(f"{variable} must be a positive int, received {text!r}.") from None


def _check_limit(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive int or None, received {value!r}.")
    return value


_max_epochs: int | None = _limit_from_environment("KERAS_MAX_EPOCHS")
_max_steps_per_epoch: int | None = _limit_from_environment("KERAS_MAX_STEPS_PER_EPOCH")


def max_epochs() -> int | None:
    """The cap on the epochs of any ``fit`` call (``set_max_epochs``, or ``KERAS_MAX_EPOCHS`` at
    import), or None."""
    return _max_epochs


def set_max_epochs(max_epochs: int | None) -> None:
    """Cap the epochs of every ``fit`` call (a debugging aid: run a script quickly without editing
    it); ``None`` removes the cap. ``fit`` warns when it trains fewer epochs than asked."""
    global _max_epochs
    _max_epochs = _check_limit(max_epochs, "set_max_epochs(): `max_epochs`")


def max_steps_per_epoch() -> int | None:
    """The cap on the steps of one epoch of ``fit``, ``evaluate`` or ``predict``
    (``set_max_steps_per_epoch``, or ``KERAS_MAX_STEPS_PER_EPOCH`` at import), or None."""
    return _max_steps_per_epoch


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Cap the steps of every epoch of ``fit``, ``evaluate`` and ``predict`` (a debugging aid);
    ``None`` removes the cap. A warning says when an epoch is cut."""
    global _max_steps_per_epoch
    _max_steps_per_epoch = _check_limit(max_steps_per_epoch, "set_max_steps_per_epoch(): `max_steps_per_epoch`")


# ---------------------------------------------------------------------------------------------- switches
_interactive_logging: bool = True
_traceback_filtering: bool = True
_safe_mode: bool = True
_flash_attention: bool | None = None  # None: layers may use it where they can (Keras's default)


def enable_interactive_logging() -> None:
    """Write logs (the progress bar, ``print_msg``) to stdout, for a terminal or a notebook (the default)."""
    global _interactive_logging
    _interactive_logging = True


def disable_interactive_logging() -> None:
    """Send logs to the ``logging`` module (logger ``"unikeras"``, level INFO) instead of stdout: for jobs
    run on a server."""
    global _interactive_logging
    _interactive_logging = False


def is_interactive_logging_enabled() -> bool:
    """Whether logs go to stdout (``True``, the default) or to the ``logging`` module."""
    return _interactive_logging


def enable_traceback_filtering() -> None:
    """Drop unikeras's own frames from the tracebacks of errors raised through functions wrapped with
    ``unikeras.utils.traceback_utils.filter_traceback`` (the default)."""
    global _traceback_filtering
    _traceback_filtering = True


def disable_traceback_filtering() -> None:
    """Show the whole traceback, unikeras's own frames included."""
    global _traceback_filtering
    _traceback_filtering = False


def is_traceback_filtering_enabled() -> bool:
    """Whether tracebacks are filtered (``True`` by default)."""
    return _traceback_filtering


def enable_unsafe_deserialization() -> None:
    """Turn safe mode off for every later deserialization that is not given ``safe_mode``: Lambda layers
    and classes or functions named by module path may then be loaded. Only for files you trust."""
    global _safe_mode
    _safe_mode = False


def in_safe_mode() -> bool:
    """Whether deserialization that is not given ``safe_mode`` runs in safe mode (``True`` until
    ``enable_unsafe_deserialization()``)."""
    return _safe_mode


def enable_flash_attention() -> None:
    """Let attention layers use a fused (flash) attention kernel where the backend has one for the
    inputs (the default)."""
    global _flash_attention
    _flash_attention = None


def disable_flash_attention() -> None:
    """Keep attention layers off fused (flash) attention kernels."""
    global _flash_attention
    _flash_attention = False


def is_flash_attention_enabled() -> bool | None:
    """``False`` after ``disable_flash_attention()``; otherwise ``None`` (Keras's value for "may be used
    where supported")."""
    return _flash_attention


def is_nnx_enabled() -> bool:
    """Always ``False``: Flax NNX features belong to Keras's JAX backend; unikeras has none."""
    return False

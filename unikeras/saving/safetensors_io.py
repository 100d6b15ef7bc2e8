"""The safetensors format, read and written with NumPy alone (no pickle, no framework).

A file is: 8 bytes (little-endian uint64) giving the length ``n`` of a JSON header, the ``n``
header bytes (UTF-8 JSON, padded with spaces to a multiple of 8), then the raw little-endian
bytes of every tensor. The header maps each tensor name to ``{"dtype", "shape",
"data_offsets": [begin, end]}`` (offsets into the byte buffer after the header) and may hold
``"__metadata__"``, a flat ``{str: str}`` dict. The tensors' bytes must cover the buffer exactly,
without gaps or overlaps.

bfloat16 has no NumPy dtype: it is written from any array whose dtype is named ``bfloat16``
(``ml_dtypes``) and read back as float32 (exactly: a bfloat16 is the top half of a float32).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from typing import Any, BinaryIO

import numpy as np

MAX_HEADER_BYTES = 100_000_000  # the reference implementation's limit

_TO_NUMPY = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "BF16": "<u2",  # raw; widened to float32 on read
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U64": "<u8",
    "U32": "<u4",
    "U16": "<u2",
    "U8": "u1",
    "BOOL": "?",
}
_FROM_NUMPY = {np.dtype(v).newbyteorder("=").name: k for k, v in _TO_NUMPY.items() if k != "BF16"}


class SafetensorsError(ValueError):
    """A file that is not valid safetensors; the message names the file and the problem."""


def _dtype_code(array: np.ndarray, name: str) -> str:
    if array.dtype.name == "bfloat16":
        return "BF16"
    code = _FROM_NUMPY.get(array.dtype.newbyteorder("=").name)
    if code is None:
        raise TypeError(f"Tensor {name!r}: dtype {array.dtype} cannot be stored in safetensors.")
    return code


def _as_little_endian(array: np.ndarray, code: str) -> np.ndarray:
    if code == "BF16":
        return np.ascontiguousarray(array).view(np.uint16).astype("<u2", copy=False)
    return np.ascontiguousarray(array, dtype=np.dtype(_TO_NUMPY[code]))


def header_bytes(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None) -> tuple[bytes, int]:
    """The length prefix and header for ``tensors`` (in their order), and the data size in bytes."""
    header: dict[str, Any] = {}
    if metadata:
        bad = [k for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise TypeError(f"safetensors metadata must map str to str; bad entries: {bad}.")
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, array in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"Invalid tensor name {name!r}.")
        code = _dtype_code(array, name)
        size = array.size * (2 if code == "BF16" else np.dtype(_TO_NUMPY[code]).itemsize)
        header[name] = {"dtype": code, "shape": [int(d) for d in array.shape], "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, offset


def write(fileobj: BinaryIO, tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None) -> int:
    """Write ``tensors`` (name -> array) and ``metadata`` to an open binary file; returns the byte count."""
    tensors = {name: np.asarray(array) for name, array in tensors.items()}
    head, size = header_bytes(tensors, metadata)
    fileobj.write(head)
    for name, array in tensors.items():
        write_tensor(fileobj, name, _as_little_endian(array, _dtype_code(array, name)))
    return len(head) + size


def write_tensor(fileobj: BinaryIO, name: str, data: np.ndarray) -> None:
    """Write one tensor's bytes (a seam for tests that interrupt a save half-way)."""
    fileobj.write(memoryview(data.reshape(-1)).cast("B") if data.size else b"")


def nbytes(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None) -> int:
    """The size of the file ``write`` produces."""
    head, size = header_bytes({name: np.asarray(a) for name, a in tensors.items()}, metadata)
    return len(head) + size


def _parse_header(data: memoryview, source: str) -> tuple[dict, int]:
    def fail(problem: str) -> SafetensorsError:
        return SafetensorsError(f"{source}: not a valid safetensors file: {problem}.")

    if len(data) < 8:
        raise fail(f"{len(data)} bytes, too short for the 8-byte header length")
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_HEADER_BYTES:
        raise fail(f"header length {length} exceeds the limit of {MAX_HEADER_BYTES} bytes")
    if 8 + length > len(data):
        raise fail(f"header length {length} runs past the end of the file ({len(data)} bytes): truncated?")

    def no_duplicates(pairs: list) -> dict:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise fail(f"duplicate keys in the header: {sorted({k for k in keys if keys.count(k) > 1})}")
        return dict(pairs)

    try:
        header = json.loads(bytes(data[8 : 8 + length]).decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise fail(f"the header is not UTF-8 JSON ({err})") from None
    if not isinstance(header, dict):
        raise fail("the header is not a JSON object")
    return header, 8 + length


def read_bytes(data: bytes | bytearray | memoryview, source: str = "<bytes>") -> tuple[dict[str, np.ndarray], dict]:
    """``(tensors, metadata)`` from the bytes of a safetensors file; ``source`` names it in errors.

    Every entry is checked (known dtype, non-negative shape, offsets that match the shape and
    tile the data exactly) before any array is made. Arrays are writable copies."""
    view = memoryview(data)
    header, start = _parse_header(view, source)
    buffer = view[start:]

    def fail(problem: str) -> SafetensorsError:
        return SafetensorsError(f"{source}: not a valid safetensors file: {problem}.")

    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise fail("`__metadata__` must map strings to strings")
    spans = []
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise fail(f"tensor {name!r} must have exactly 'dtype', 'shape' and 'data_offsets'")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in _TO_NUMPY:
            raise fail(f"tensor {name!r} has unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
            raise fail(f"tensor {name!r} has an invalid shape {shape!r}")
        if any(d < 0 for d in shape):
            raise fail(f"tensor {name!r} has a negative dimension in shape {shape}")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        ):
            raise fail(f"tensor {name!r} has invalid data_offsets {offsets!r}")
        begin, end = offsets
        itemsize = np.dtype(_TO_NUMPY[dtype]).itemsize
        if begin < 0 or end < begin or end - begin != math.prod(shape) * itemsize:
            raise fail(
                f"tensor {name!r} ({dtype}, shape {shape}) needs {math.prod(shape) * itemsize} bytes but its "
                f"data_offsets {offsets} span {end - begin}"
            )
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            problem = "overlaps the previous tensor" if begin < position else f"leaves a gap at byte {position}"
            raise fail(f"tensor {name!r} {problem}")
        position = end
    if position != len(buffer):
        if position > len(buffer):
            raise fail(f"the tensors need {position} data bytes but the file holds {len(buffer)}: truncated?")
        raise fail(f"{len(buffer) - position} bytes after the last tensor")
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = entry["dtype"]
        array = np.frombuffer(buffer[begin:end], dtype=np.dtype(_TO_NUMPY[dtype])).reshape(entry["shape"])
        if dtype == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = array.astype(array.dtype.newbyteorder("="), copy=True)
    return tensors, metadata


def save_file(tensors: Mapping[str, np.ndarray], filepath: str, metadata: Mapping[str, str] | None = None) -> None:
    """Write ``tensors`` to ``filepath`` atomically (a temporary file renamed into place)."""
    from unikeras.saving.atomic import atomic_write

    with atomic_write(filepath) as f:
        write(f, tensors, metadata)


def load_file(filepath: str) -> tuple[dict[str, np.ndarray], dict]:
    """``(tensors, metadata)`` from a safetensors file."""
    with open(filepath, "rb") as f:
        data = f.read()
    return read_bytes(data, filepath)

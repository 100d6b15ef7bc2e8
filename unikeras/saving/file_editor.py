"""``KerasFileEditor``: inspect and edit the weights of a saved file without building its model.

It reads ``.ukeras`` model files and ``.weights.safetensors`` weights files. Weights are grouped by
object (layer) path: a file key ``"block/dense/kernel"`` is weight ``"kernel"`` of object
``"block/dense"``. Edits (rename, delete or add objects and weights) change only the editor's copy;
``save`` writes a new file of the same kind, and ``resave_weights`` a weights file.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from unikeras.saving import model_file, safetensors_io, weights_file
from unikeras.saving.atomic import atomic_write
from unikeras.utils import io_utils


def _split(key: str) -> tuple[str, str]:
    path, _, name = key.rpartition("/")
    return path, name


class KerasFileEditor:
    """Load a saved file's weights for inspection and editing.

    Args:
        filepath: a ``.ukeras`` model file or a ``.weights.safetensors`` weights file.

    Attributes:
        config: the model config of a ``.ukeras`` file (``None`` for a weights file).
        metadata: the safetensors metadata of the weights.
        weights_dict: ``{object path: {weight name: NumPy array}}``, in file order.
    """

    def __init__(self, filepath: str | os.PathLike) -> None:
        filepath = os.fspath(filepath)
        self.filepath = filepath
        if filepath.endswith(model_file.SUFFIX):
            weights_file.check_exists(filepath, f"`{model_file.SUFFIX}` file")
            self.config, data = model_file.read_archive(filepath)
            tensors, metadata = safetensors_io.read_bytes(data, f"{filepath} ({model_file.WEIGHTS_NAME})")
        elif filepath.endswith(weights_file.SUFFIX):
            weights_file.check_exists(filepath, f"`{weights_file.SUFFIX}` file")
            self.config = None
            tensors, metadata = safetensors_io.load_file(filepath)
        else:
            raise ValueError(
                f"KerasFileEditor: expected a `{model_file.SUFFIX}` or `{weights_file.SUFFIX}` file, received "
                f"{filepath!r}."
            )
        weights_file.check_metadata(metadata, filepath)
        self.metadata = dict(metadata)
        self._seed_keys = set(json.loads(metadata.get("seed_generators", "[]")))
        self.weights_dict: dict[str, dict[str, np.ndarray]] = {}
        for key, array in tensors.items():
            path, name = _split(key)
            self.weights_dict.setdefault(path, {})[name] = array

    # ------------------------------------------------------------------ inspection
    def weights_summary(self) -> None:
        """Print every object with its weights' names, shapes and dtypes."""
        for path, weights in self.weights_dict.items():
            io_utils.print_msg(f"{path or '<root>'}")
            for name, array in weights.items():
                io_utils.print_msg(f"  {name}: shape={tuple(array.shape)}, dtype={array.dtype}")

    def summary(self) -> None:
        """Print the model class and name (for a model file), then ``weights_summary()``."""
        if self.config is not None:
            spec = self.config.get("model", {})
            name = (spec.get("config") or {}).get("name", "?")
            io_utils.print_msg(f"Model '{name}' ({spec.get('class_name', '?')}), saved on {self.config.get('backend')}")
        count = sum(int(np.prod(a.shape)) for w in self.weights_dict.values() for a in w.values())
        io_utils.print_msg(f"{len(self.weights_dict)} objects, {count} weight values")
        self.weights_summary()

    def compare(self, reference_model: Any) -> dict[str, Any]:
        """Compare the file's weights with those of ``reference_model`` (built) by path and shape,
        printing each difference.

        Returns:
            ``{"status": "success" or "error", "error_count": n, "match_count": m}``.
        """
        reference, _ = weights_file.model_entries(reference_model)
        ours = {
            f"{path}/{name}" if path else name: array
            for path, weights in self.weights_dict.items()
            for name, array in weights.items()
            if not (path == "optimizer" or path.startswith(weights_file.OPTIMIZER_PREFIX))
            and (f"{path}/{name}" if path else name) not in self._seed_keys
        }
        errors, matches = 0, 0
        for key, variable in reference.items():
            if key not in ours:
                io_utils.print_msg(f"Weight '{key}' of the model is missing from the file.")
                errors += 1
            elif tuple(ours[key].shape) != tuple(variable.shape):
                io_utils.print_msg(
                    f"Weight '{key}': the model has shape {tuple(variable.shape)}, the file {tuple(ours[key].shape)}."
                )
                errors += 1
            else:
                matches += 1
        for key in ours.keys() - reference.keys():
            io_utils.print_msg(f"Weight '{key}' of the file has no match in the model.")
            errors += 1
        return {"status": "error" if errors else "success", "error_count": errors, "match_count": matches}

    # ------------------------------------------------------------------ edits
    def _object(self, object_name: str) -> dict[str, np.ndarray]:
        if object_name not in self.weights_dict:
            raise ValueError(
                f"KerasFileEditor: no object {object_name!r} in the file; objects: {list(self.weights_dict)}."
            )
        return self.weights_dict[object_name]

    def rename_object(self, object_name: str, new_name: str) -> None:
        """Rename object ``object_name`` (a full path, e.g. ``"dense_1"``) to ``new_name``; objects under
        it move with it."""
        self._object(object_name)
        if new_name in self.weights_dict:
            raise ValueError(f"KerasFileEditor: an object named {new_name!r} already exists.")
        prefix = object_name + "/"
        renamed: dict[str, dict[str, np.ndarray]] = {}
        for path, weights in self.weights_dict.items():
            if path == object_name:
                path = new_name
            elif path.startswith(prefix):
                path = new_name + "/" + path[len(prefix) :]
            renamed[path] = weights
        self._rename_order(object_name, new_name)
        self.weights_dict = renamed

    def delete_object(self, object_name: str) -> None:
        """Remove object ``object_name`` and every object under it."""
        self._object(object_name)
        prefix = object_name + "/"
        self.weights_dict = {
            p: w for p, w in self.weights_dict.items() if p != object_name and not p.startswith(prefix)
        }

    def add_object(self, object_path: str, weights: dict[str, Any]) -> None:
        """Add a new object at ``object_path`` with ``weights`` (``{name: array}``)."""
        if object_path in self.weights_dict:
            raise ValueError(f"KerasFileEditor: object {object_path!r} already exists; use add_weights.")
        if not isinstance(weights, dict) or not weights:
            raise ValueError("KerasFileEditor: `weights` must be a non-empty dict {weight name: array}.")
        self.weights_dict[object_path] = {}
        self.add_weights(object_path, weights)

    def delete_weight(self, object_name: str, weight_name: str) -> None:
        """Remove weight ``weight_name`` of object ``object_name``."""
        weights = self._object(object_name)
        if weight_name not in weights:
            raise ValueError(
                f"KerasFileEditor: object {object_name!r} has no weight {weight_name!r}; it has {list(weights)}."
            )
        del weights[weight_name]

    def add_weights(self, object_name: str, weights: dict[str, Any]) -> None:
        """Add ``weights`` (``{name: array}``) to object ``object_name``."""
        target = self._object(object_name)
        for name, value in weights.items():
            if not isinstance(name, str) or not name or "/" in name:
                raise ValueError(f"KerasFileEditor: invalid weight name {name!r}.")
            if name in target:
                raise ValueError(f"KerasFileEditor: object {object_name!r} already has a weight {name!r}.")
            target[name] = np.asarray(value)

    def _rename_order(self, old: str, new: str) -> None:
        order = json.loads(self.metadata.get("weights_order", "[]"))
        prefix = old + "/"
        self.metadata["weights_order"] = json.dumps(
            [new + "/" + k[len(prefix) :] if k.startswith(prefix) else k for k in order]
        )

    # ------------------------------------------------------------------ writing
    def _tensors(self) -> tuple[dict[str, np.ndarray], dict[str, str]]:
        tensors = {
            (f"{path}/{name}" if path else name): array
            for path, weights in self.weights_dict.items()
            for name, array in weights.items()
        }
        metadata = dict(self.metadata)
        order = [k for k in json.loads(metadata.get("weights_order", "[]")) if k in tensors]
        metadata["weights_order"] = json.dumps(order)
        metadata["seed_generators"] = json.dumps(
            [k for k in json.loads(metadata.get("seed_generators", "[]")) if k in tensors]
        )
        return tensors, metadata

    def save(self, filepath: str | os.PathLike) -> None:
        """Write the edited file: a ``.ukeras`` file (the original config with the edited weights) for a
        model file, a ``.weights.safetensors`` file for either."""
        filepath = os.fspath(filepath)
        if filepath.endswith(model_file.SUFFIX):
            if self.config is None:
                raise ValueError(
                    f"KerasFileEditor: {self.filepath} is a weights file; it has no model config to write a "
                    f"`{model_file.SUFFIX}` file. Use resave_weights()."
                )
            tensors, metadata = self._tensors()
            text = json.dumps(self.config, indent=2)
            size = safetensors_io.nbytes(tensors, metadata)
            with atomic_write(filepath, overwrite=True) as f, zipfile.ZipFile(f, "w") as archive:
                archive.writestr(model_file.CONFIG_NAME, text, compress_type=zipfile.ZIP_DEFLATED)
                with archive.open(model_file.WEIGHTS_NAME, "w", force_zip64=size >= 2**31 - 1) as member:
                    safetensors_io.write(member, tensors, metadata)
        else:
            self.resave_weights(filepath)

    def resave_weights(self, filepath: str | os.PathLike) -> None:
        """Write the edited weights to a ``.weights.safetensors`` file."""
        filepath = os.fspath(filepath)
        if not filepath.endswith(weights_file.SUFFIX):
            raise ValueError(
                f"KerasFileEditor: the weights file name must end in `{weights_file.SUFFIX}`: {filepath!r}."
            )
        tensors, metadata = self._tensors()
        with atomic_write(filepath, overwrite=True) as f:
            safetensors_io.write(f, tensors, metadata)


__all__ = ["KerasFileEditor"]

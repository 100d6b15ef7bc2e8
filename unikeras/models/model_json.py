"""``model_from_json``: a model from the JSON string Keras's ``model.to_json()`` writes (Keras 3 layout)."""

from __future__ import annotations

import json
from typing import Any


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Any:
    """A new model (new weights) with the architecture of ``json_string``.

    Args:
        json_string: a model's configuration as JSON: ``{"class_name": "Sequential" | "Functional",
            "config": ..., ...}``, as ``keras_model.to_json()`` writes it.
        custom_objects: names of your own layer classes and functions mapped to them.
    """
    from unikeras.models.model import Model
    from unikeras.saving.keras_file import KerasImporter, _build

    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as err:
        raise ValueError(f"model_from_json(): not a JSON model configuration ({err}).") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("model_from_json(): the JSON must be an object with a 'class_name' (a model's to_json()).")
    model = KerasImporter("model_from_json()", custom_objects).layer(config)
    if not isinstance(model, Model):
        raise ValueError(f"model_from_json(): the JSON describes a {type(model).__name__}, not a model.")
    _build(model, config.get("build_config"), "model_from_json()")
    return model


__all__ = ["model_from_json"]

"""Model export. ``export_onnx(model, path)`` (also ``model.export(path, format="onnx")``) writes an ONNX
file from the layer graph, on any backend; see ``unikeras/export/onnx_export.py`` and ``docs/onnx.md``.

Importing this package does not import ``onnx``: that happens when a model is exported.
"""

from __future__ import annotations

from unikeras.export.onnx_export import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, build_onnx_model, export_onnx

__all__ = ["DEFAULT_OPSET", "MAX_OPSET", "MIN_OPSET", "build_onnx_model", "export_onnx"]

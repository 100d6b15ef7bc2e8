"""Catalogue entries of the remaining core layers: regularization, 3-D reshaping, Identity,
RMSNormalization, SpectralNormalization, ReversibleEmbedding and adaptive pooling."""

from __future__ import annotations

from typing import Any

from tests.layers.catalogue_entry import Entry


def _spectral_dense(package: Any) -> dict:
    return {"layer": package.layers.Dense(3), "power_iterations": 2}


def _adaptive(kind: str, rank: int) -> Entry:
    shape, size = {1: ((2, 7, 2), 3), 2: ((2, 5, 7, 2), (2, 3)), 3: ((1, 4, 5, 3, 2), 2)}[rank]
    wrong = shape[:-1] if rank != 2 else (2, 5)  # Keras's 2-D layers take a 3-D input (as unbatched)
    return Entry(f"Adaptive{kind}Pooling{rank}D", {"output_size": size}, shape, wrong_rank=wrong)


ENTRIES: dict[str, Entry] = {
    # regularization: the identity at inference, any rank (SpatialDropout3D fixes its own)
    "ActivityRegularization": Entry("ActivityRegularization", {"l1": 0.01, "l2": 0.02}),
    "AlphaDropout": Entry("AlphaDropout", {"rate": 0.3}),
    "GaussianDropout": Entry("GaussianDropout", {"rate": 0.3}),
    "SpatialDropout3D": Entry("SpatialDropout3D", {"rate": 0.5}, (2, 2, 3, 2, 2), wrong_rank=(2, 2, 3, 2)),
    # 3-D reshaping
    "Cropping3D": Entry("Cropping3D", {"cropping": ((1, 0), (0, 1), (1, 1))}, (2, 3, 3, 4, 2), wrong_rank=(2, 3, 3, 4)),
    "UpSampling3D": Entry("UpSampling3D", {"size": (2, 1, 2)}, (2, 2, 3, 2, 2), wrong_rank=(2, 2, 3, 2)),
    "ZeroPadding3D": Entry(
        "ZeroPadding3D", {"padding": ((1, 0), (0, 2), (1, 1))}, (2, 2, 2, 2, 2), wrong_rank=(2, 2, 2)
    ),
    # any rank
    "Identity": Entry("Identity", {}, (2, 3)),
    "RMSNormalization": Entry("RMSNormalization", {"axis": -1, "epsilon": 1e-3}, (2, 3, 4)),  # Keras: no rank check
    "SpectralNormalization": Entry("SpectralNormalization", _spectral_dense, (2, 4)),  # the wrapped Dense's rank
    "ReversibleEmbedding": Entry(
        "ReversibleEmbedding", {"input_dim": 5, "output_dim": 3, "tie_weights": False}, (2, 4), int_high=5
    ),
    **{f"Adaptive{k}Pooling{r}D": _adaptive(k, r) for k in ("Average", "Max") for r in (1, 2, 3)},
}

OUTSIDE: dict[str, str] = {
    "Wrapper": "an abstract base class (no call()): tests/layers/test_layers_round2.py::test_wrapper_base_class",
    "GroupQueryAttention": "called as (query, value) like Keras: tests/layers/test_group_query_attention.py checks "
    "its shapes, config round trip, masks and Keras parity",
}

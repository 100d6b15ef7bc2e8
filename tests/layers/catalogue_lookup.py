"""Catalogue entries of the lookup and encoding layers (``unikeras/layers/lookup.py``).

The string layers cannot be table entries: their inputs are strings, which no symbolic ``Input`` of a
backend without string tensors can carry, so a functional model cannot hold them. Their behaviour against
Keras, configs and vocabularies saved on one backend and loaded on another are tested in
``tests/layers/test_lookup.py``.
"""

from __future__ import annotations

from tests.layers.catalogue_entry import Entry

ENTRIES: dict[str, Entry] = {
    # integer indices in, any rank (multi_hot/count reduce the last axis of rank-2 inputs)
    "CategoryEncoding": Entry("CategoryEncoding", {"num_tokens": 5, "output_mode": "count"}, (3, 4), int_high=5),
    "Discretization": Entry("Discretization", {"bin_boundaries": [-0.5, 0.0, 0.7]}, (2, 3)),  # any rank
    "Hashing": Entry("Hashing", {"num_bins": 6, "salt": 7}, (2, 3), int_high=1000),  # any rank, ints hashed
    "HashedCrossing": Entry(
        "HashedCrossing", {"num_bins": 7, "output_mode": "one_hot"}, [(4, 1), (4, 1)], int_high=50
    ),  # its rule is on shapes () / (batch,) / (batch, 1), tested in test_lookup.py
    "IntegerLookup": Entry(
        "IntegerLookup", {"vocabulary": [3, 1, 4], "mask_token": 0, "num_oov_indices": 2}, (2, 5), int_high=6
    ),  # any rank
}

OUTSIDE: dict[str, str] = {
    "StringLookup": "tests/layers/test_lookup.py (string inputs: against Keras, saved and loaded across backends)",
    "TextVectorization": "tests/layers/test_lookup.py (string inputs: against Keras, saved and loaded across backends)",
}

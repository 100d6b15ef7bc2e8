"""Catalogue entries of the audio layers (STFTSpectrogram, MelSpectrogram)."""

from __future__ import annotations

from tests.layers.catalogue_entry import Entry

ENTRIES: dict[str, Entry] = {
    # trainable=False: the DFT kernels are fixed here; their gradients: test_gradients.py and tests/layers/test_audio.py
    "STFTSpectrogram": Entry(
        "STFTSpectrogram",
        {"mode": "magnitude", "frame_length": 8, "frame_step": 4, "trainable": False},
        (2, 24, 2),
        wrong_rank=(2, 24),
    ),
    # MelSpectrogram takes rank 1 or 2; Keras has no rank check (a rank-3 input fails inside tf.pad, not with a
    # ValueError), ours is tested in tests/layers/test_audio.py::test_bad_arguments
    "MelSpectrogram": Entry(
        "MelSpectrogram", {"fft_length": 32, "sequence_stride": 8, "num_mel_bins": 6, "sampling_rate": 8000}, (2, 64)
    ),
}

"""Hand-written training loops of the digits MLP in each framework (the baselines of `make bench`).

Each module exposes ``make_epoch(x, y, batch_size, seed) -> run_epoch``; ``run_epoch()`` trains
one epoch over per-epoch-shuffled batches (as ``fit`` gets them), keeps the loss of every batch
and synchronises once at the end, returning the mean loss.
"""

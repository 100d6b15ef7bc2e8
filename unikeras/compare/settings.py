"""Defaults of ``unikeras compare`` shared by the parent process and the workers."""

DEFAULT_EPOCHS = 5
DEFAULT_TIMEOUT = 900.0  # seconds one backend may take
QUICK_EPOCHS = 2
QUICK_TRAIN_SAMPLES = 256
QUICK_TEST_SAMPLES = 128
# The parent's time.time() just before it launches a worker: the worker's start for "first step s".
STARTED_AT_ENV = "UNIKERAS_COMPARE_STARTED_AT"

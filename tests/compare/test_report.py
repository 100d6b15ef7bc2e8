"""The text table of ``unikeras compare``."""

from __future__ import annotations

from unikeras.compare.report import STATUS_WIDTH, format_table

OK = {
    "backend": "torch",
    "status": "ok",
    "error": None,
    "framework_version": "2.13.0",
    "params": 8970,
    "seconds_per_epoch": 0.12345,
    "steps_per_second": 1234.5,
    "peak_memory_mib": 243.7,
    "loss": 0.123456,
    "accuracy": 0.96875,
    "test_loss": 0.2,
    "test_accuracy": 0.95,
    "first_step_seconds": 3.456,
    "init_checksum": -7.2412531,
}
FAILED = {"backend": "mxnet", "status": "error", "error": "ImportError: " + "x" * 100}


def test_columns_align_and_values_are_formatted():
    lines = format_table([OK, FAILED], title="model mlp", legend=False).splitlines()
    assert lines[0] == "model mlp"
    header, rule, ok, failed = lines[1:]
    assert header.split()[:3] == ["backend", "version", "params"]
    assert ok.split() == [
        "torch", "2.13.0", "8,970", "0.123", "1,234", "244",
        "0.1235", "0.9688", "0.2000", "0.9500", "3.46", "-7.241253", "ok",
    ]  # fmt: skip
    # Right-aligned numbers end in the same column on every line.
    for column in ("params", "init checksum"):
        end = header.index(column) + len(column)
        assert ok[end - 1] != " " and ok[end] == " "
        assert failed[end - 1] == "-"
    assert rule.split() == ["-" * len(h) for h in ("backend", "version", "params")] + rule.split()[3:]


def test_failed_rows_show_a_short_status_and_the_full_error_below():
    text = format_table([OK, FAILED])
    failed_line = next(line for line in text.splitlines() if line.startswith("mxnet "))
    status = failed_line[failed_line.index("error: ImportError") :]
    assert len(status) == STATUS_WIDTH and status.endswith("...")
    assert f"mxnet: error: {FAILED['error']}" in text.splitlines()
    assert "WARNING" not in text


def test_differing_checksums_are_flagged():
    assert "init checksums differ" in format_table([OK, {**OK, "backend": "jax", "init_checksum": 1.0}])
    assert "init checksums differ" not in format_table([OK, {**OK, "backend": "jax"}])


def test_small_rates_keep_a_decimal():
    line = format_table([{**OK, "steps_per_second": 42.25}], legend=False).splitlines()[2]
    assert line.split()[4] == "42.2"

"""The benchmark suite runs end to end and writes every field (no timing assertions: figures are not checked)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import suite
from tests.conftest import REQUIRE_ALL

SUITE = Path(suite.__file__)
SMOKE_BACKEND = "mxnet"  # two ways, light imports, no compilation: the quickest backend to run end to end

TOP_FIELDS = {"suite_version", "quick", "rounds", "warmup_s", "started", "machine", "results", "wall_s"}
MACHINE_FIELDS = {
    "cpu",
    "cpu_count",
    "accelerator",
    "load_average_at_start",
    "platform",
    "python",
    "versions",
    "pinned_threads",
}
ROW_FIELDS = {
    "backend",
    "workload",
    "description",
    "batch_size",
    "predict_batch_size",
    "rounds",
    "steps_per_epoch",
    "samples",
    "ways",
    "ratios",
    "errors",
}
WAY_FIELDS = {
    "params",
    "output",
    "warmup_s",
    "warmup_predict_s",
    "timed_steps",
    "predict_samples",
    "last_loss",
    "steps_per_s_median",
    "steps_per_s",
    "predict_samples_per_s_median",
    "predict_samples_per_s",
    "time_to_first_step_s",
    "peak_rss_mib",
}


def check_ratio(ratio: dict, rounds: int, memory: bool = True) -> None:
    assert set(ratio) == ({"train", "predict", "peak_rss"} if memory else {"train", "predict"})
    assert not memory or ratio["peak_rss"] > 0
    for kind in ("train", "predict"):
        assert set(ratio[kind]) == {"median", "ci95", "per_round"}
        assert len(ratio[kind]["per_round"]) == rounds
        low, high = ratio[kind]["ci95"]
        assert 0 < low <= ratio[kind]["median"] <= high


def test_quick_run_writes_every_field(tmp_path: Path) -> None:
    if importlib.util.find_spec(SMOKE_BACKEND) is None:
        if REQUIRE_ALL:
            pytest.fail(f"backend {SMOKE_BACKEND!r} is required (UNIKERAS_REQUIRE_ALL_BACKENDS=1) but not installed")
        pytest.skip(f"backend {SMOKE_BACKEND!r} not installed")
    out = tmp_path / "suite.json"
    command = [sys.executable, str(SUITE), "--quick", "--backends", SMOKE_BACKEND, "--workloads", "mlp"]
    proc = subprocess.run([*command, "--json", str(out)], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "mlp" in proc.stdout  # the printed table has the row
    report = json.loads(out.read_text())
    assert set(report) == TOP_FIELDS
    assert report["quick"] is True and report["rounds"] == 1
    assert set(report["machine"]) == MACHINE_FIELDS
    assert report["warmup_s"] == suite.WARMUP_S
    accelerator = report["machine"]["accelerator"]  # nvidia-smi's GPU names, None without one
    assert accelerator is None or "NVIDIA" in accelerator or "GPU" in accelerator
    (row,) = report["results"]
    assert row["errors"] == {}
    assert set(row) == ROW_FIELDS
    assert (row["backend"], row["workload"]) == (SMOKE_BACKEND, "mlp")
    assert set(row["ways"]) == {"native", "unikeras"}  # Keras has no MXNet backend
    for way in row["ways"].values():
        assert set(way) == WAY_FIELDS
        assert way["params"] == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10
        assert way["output"] == f"float32[{row['samples']}, 10]"
        assert np.isfinite(way["last_loss"])
        assert way["time_to_first_step_s"] > 0 and way["peak_rss_mib"] > 0
    assert set(row["ratios"]) == {"unikeras/native", "unikeras/native_best"}
    check_ratio(row["ratios"]["unikeras/native"], rounds=1)
    check_ratio(row["ratios"]["unikeras/native_best"], rounds=1, memory=False)


RATES = {"native": 20.0, "unikeras": 10.0, "keras": 40.0}


def fake_workers(jobs: list[list[str]], backend: str, concurrent: bool) -> list[tuple[dict | None, str | None]]:
    """What the worker processes of a pair print, without running them: training rates per way from ``RATES``
    (round 2 twice round 1), predict rates 10 times those."""
    assert not concurrent
    rates = {way: rate for way, rate in RATES.items() if way in suite.ways_for(backend)}
    results = []
    for job in jobs:
        if job[1] == "timing":
            ways = {
                way: {
                    "params": 7,
                    "output": "float32[8, 10]",
                    "warmup_s": 1.0,
                    "warmup_predict_s": 0.5,
                    "timed_steps": 4,
                    "predict_samples": 8,
                    "last_loss": 2.0,
                    "steps_per_s": [rate, rate * 2],
                    "predict_samples_per_s": [rate * 10, rate * 10],
                }
                for way, rate in rates.items()
            }
            results.append(({"steps_per_epoch": 4, "samples": 8, "ways": ways}, None))
        else:
            way = job[4]
            results.append(({"time_to_first_step_s": 3.0, "peak_rss_mib": rates[way]}, None))
    return results


def test_rows_combine_timing_and_single_way_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suite, "run_workers", fake_workers)
    row = suite.measure_pair("jax", "mlp", rounds=2, quick=False)
    assert row["errors"] == {}
    assert set(row) == ROW_FIELDS
    assert set(row["ways"]) == {"native", "unikeras", "keras"}
    for way in row["ways"].values():
        assert set(way) == WAY_FIELDS
    assert row["ways"]["keras"]["steps_per_s_median"] == pytest.approx(60.0)
    assert set(row["ratios"]) == {"unikeras/native", "unikeras/native_best", "unikeras/keras"}
    for name, ratio in row["ratios"].items():
        check_ratio(ratio, rounds=2, memory=name != "unikeras/native_best")
    assert row["ratios"]["unikeras/native"]["train"]["per_round"] == [0.5, 0.5]
    assert row["ratios"]["unikeras/keras"]["predict"]["median"] == pytest.approx(0.25)
    assert row["ratios"]["unikeras/native"]["peak_rss"] == pytest.approx(0.5)


def test_native_best_takes_the_faster_native_variant_per_round(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(RATES, "native_xla", 5.0)  # slower than the graph loop in round 1 ...

    def workers(jobs, backend, concurrent):
        results = fake_workers(jobs, backend, concurrent)
        results[0][0]["ways"]["native_xla"]["steps_per_s"] = [5.0, 80.0]  # ... faster in round 2
        return results

    monkeypatch.setattr(suite, "run_workers", workers)
    row = suite.measure_pair("tensorflow", "mlp", rounds=2, quick=False)
    assert set(row["ways"]) == {"native", "native_xla", "unikeras", "keras"}
    # unikeras runs 10 then 20 steps/s; the best native 20 (graph) then 80 (XLA)
    assert row["ratios"]["unikeras/native_best"]["train"]["per_round"] == [0.5, 0.25]
    assert row["ratios"]["unikeras/native"]["train"]["per_round"] == [0.5, 0.5]


def test_a_failed_worker_is_reported_in_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(jobs, backend, concurrent):
        return [(None, "RuntimeError: boom")] * len(jobs)

    monkeypatch.setattr(suite, "run_workers", failing)
    row = suite.measure_pair("mxnet", "cnn", rounds=7, quick=False)
    assert row["errors"] == {
        "timing": "RuntimeError: boom",
        "single:native": "RuntimeError: boom",
        "single:unikeras": "RuntimeError: boom",
    }
    assert row["ratios"] == {}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--backends", "torch,theano"], "--backends: expected a comma-separated subset of torch,tensorflow"),
        (["--workloads", "resnet"], "--workloads: expected a comma-separated subset of mlp,cnn,lstm,transformer"),
        (["--rounds", "0"], "--rounds: expected a positive count, got 0"),
    ],
)
def test_bad_arguments_are_refused(argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        suite.main(argv)

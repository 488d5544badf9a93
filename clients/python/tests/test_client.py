"""lossd.Client and lossd.AsyncClient against a real lossd: numbers, wire formats, compression,
the connection, batches, the catalogue."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import lossd
from conftest import LossdProcess


def reference_cross_entropy(logits: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross entropy and its gradient, in float64."""
    x = logits.astype(np.float64)
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(target)
    value = -log_probs[np.arange(n), target].mean()
    grad = np.exp(log_probs)
    grad[np.arange(n), target] -= 1
    return float(value), grad / n


def sample(rows: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((rows, classes)).astype(np.float32), rng.integers(0, classes, rows)


@pytest.mark.parametrize("wire", ["json", "safetensors"])
def test_cross_entropy_matches_the_reference(client: lossd.Client, wire: str) -> None:
    logits, target = sample(8, 5)
    result = client.loss("cross_entropy", logits, target, wire=wire)
    value, grad = reference_cross_entropy(logits, target)
    assert result.wire == wire and result.loss == "cross_entropy" and result.dtype == "float32"
    assert result.value == pytest.approx(value, abs=1e-6)
    assert result.grad.dtype == np.float32 and result.grad.shape == logits.shape
    np.testing.assert_allclose(result.grad, grad, atol=1e-7)
    assert result.grads == {"input": result.grad}
    assert result.diagnostics["warnings"] == [] and result.warnings == []
    assert re.fullmatch(r"[0-9a-f]+", result.request_id or "") and "compute" in result.server_timing


def test_the_format_follows_the_size_threshold(server: LossdProcess) -> None:
    small, big = sample(4, 10), sample(64, 100)
    with lossd.Client(server.url, binary_threshold=4096) as client:
        assert client.loss("cross_entropy", *small).wire == "json"
        assert client.loss("cross_entropy", *big).wire == "safetensors"
    with lossd.Client(server.url, wire="json") as client:
        assert client.loss("cross_entropy", *big).wire == "json"


def test_json_bodies_and_answers_travel_gzipped(server: LossdProcess) -> None:
    logits, target = sample(32, 1000)
    with lossd.Client(server.url, wire="json") as packed, \
            lossd.Client(server.url, wire="json", gzip=False, compressed_answers=False) as plain:
        small, raw = packed.loss("cross_entropy", logits, target), plain.loss("cross_entropy", logits, target)
    # Float text gzips to well under two thirds of its size, both ways.
    assert small.bytes_sent < 0.67 * raw.bytes_sent
    assert small.bytes_received < 0.67 * raw.bytes_received
    np.testing.assert_array_equal(small.grad, raw.grad)
    np.testing.assert_allclose(small.grad, reference_cross_entropy(logits, target)[1], atol=1e-7)


def test_bodies_over_a_mebibyte_go_in_pieces(client: lossd.Client) -> None:
    logits, target = sample(700, 1000)  # 2.8 MB: two whole 1 MiB pieces and a partial one
    result = client.loss("cross_entropy", logits, target, wire="safetensors")
    assert result.bytes_sent > 2 * (1 << 20)
    np.testing.assert_allclose(result.grad, reference_cross_entropy(logits, target)[1], atol=1e-8)


def test_safetensors_answers_are_not_compressed_unless_asked(server: LossdProcess) -> None:
    logits, target = sample(32, 1000)
    with lossd.Client(server.url, wire="safetensors") as plain, \
            lossd.Client(server.url, wire="safetensors", compressed_answers=True) as packed:
        raw, small = plain.loss("cross_entropy", logits, target), packed.loss("cross_entropy", logits, target)
    assert raw.bytes_received >= logits.nbytes > small.bytes_received
    np.testing.assert_array_equal(raw.grad, small.grad)


def test_options_weights_lists_and_reduction_none(client: lossd.Client) -> None:
    logits, target = sample(4, 3, seed=3)
    result = client.loss("cross_entropy", logits.tolist(), target.tolist(), reduction="none",
                         weight=[1.0, 2.0, 0.5])
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(4), target] * np.array([1.0, 2.0, 0.5])[target]
    assert isinstance(result.value, np.ndarray) and result.value.shape == (4,)
    np.testing.assert_allclose(result.value, expected, rtol=1e-5)
    assert client.loss("mse_loss", 1.0, 3.0).value == 4.0
    assert client.loss("mse_loss", [1, 2], [3, 4]).value == 4.0  # list ints are numbers, as in JSON


def test_float64_jobs_answer_in_float64(client: lossd.Client) -> None:
    logits, target = sample(4, 3)
    result = client.loss("cross_entropy", logits.astype(np.float64), target, wire="safetensors")
    assert result.dtype == "float64" and result.grad.dtype == np.float64
    np.testing.assert_allclose(result.grad, reference_cross_entropy(logits, target)[1], atol=1e-12)


def test_outputs_limit_the_answer(client: lossd.Client) -> None:
    result = client.loss("cross_entropy", *sample(4, 3), outputs=["value"])
    assert result.grad is None and result.grads == {} and isinstance(result.value, float)


def test_warnings_come_back_as_records(client: lossd.Client) -> None:
    probabilities = np.full((4, 5), 0.2, np.float32)
    result = client.loss("cross_entropy", probabilities, np.array([0, 1, 2, 3]))
    codes = [w.code for w in result.warnings]
    assert "INPUT_LOOKS_LIKE_PROBABILITIES" in codes
    record = result.warnings[codes.index("INPUT_LOOKS_LIKE_PROBABILITIES")]
    assert record.count == 4 and record.examples[:2] == (0, 1)
    assert record.as_python_warning().code == "INPUT_LOOKS_LIKE_PROBABILITIES"


def test_batch_keeps_order_and_returns_refused_jobs_as_errors(client: lossd.Client) -> None:
    logits, target = sample(4, 3)
    results = client.batch([
        {"loss": "mse_loss", "input": [1.0, 2.0], "target": [1.5, 2.0]},
        {"loss": "cross_entropy", "input": logits, "target": [0, 1, 2, 7]},
        {"loss": "cross_entropy", "input": logits, "target": target, "options": {"reduction": "sum"}},
    ])
    assert isinstance(results[0], lossd.LossResult) and results[0].value == 0.125
    assert isinstance(results[1], lossd.TargetOutOfRange) and results[1].errors[0].pointer.startswith("/jobs/1/target")
    assert isinstance(results[2], lossd.LossResult)
    assert results[2].value == pytest.approx(4 * reference_cross_entropy(logits, target)[0], rel=1e-6)


def test_catalogue_and_health(client: lossd.Client) -> None:
    catalogue = {entry["name"]: entry for entry in client.losses()}
    assert "cross_entropy" in catalogue and "mse_loss" in catalogue
    assert {"reduction", "label_smoothing"} <= {o["name"] for o in catalogue["cross_entropy"]["options"]}
    assert client.health() == {"status": "ok"}


def test_one_connection_is_kept_alive(lossd_process: Callable[..., LossdProcess], tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    server = lossd_process(log=log)
    with lossd.Client(server.url) as client:
        for seed in range(4):
            client.loss("cross_entropy", *sample(4, 3, seed))
            client.loss("cross_entropy", *sample(64, 100, seed), wire="safetensors")
    server.stop()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    peers = [line["remote_addr"] for line in lines if line.get("route") == "/v1/loss/{name}"]
    assert len(peers) == 8 and len(set(peers)) == 1, peers


def test_token_is_sent(lossd_process: Callable[..., LossdProcess], tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    server = lossd_process("--auth-token-file", str(token_file))
    with lossd.Client(server.url) as anonymous, pytest.raises(lossd.Unauthorized) as refused:
        anonymous.loss("mse_loss", [1.0], [2.0])
    assert refused.value.status == 401 and refused.value.code == "UNAUTHORIZED"
    with lossd.Client(server.url, token="s3cret-token") as client:
        assert client.loss("mse_loss", [1.0], [2.0]).value == 1.0


def test_async_client_matches_the_sync_one(server: LossdProcess, client: lossd.Client) -> None:
    jobs = [sample(16, 50, seed) for seed in range(6)]

    async def run() -> list[lossd.LossResult]:
        async with lossd.AsyncClient(server.url, connections=2, binary_threshold=2048) as aclient:
            assert await aclient.health() == {"status": "ok"}
            assert any(e["name"] == "cross_entropy" for e in await aclient.losses())
            batch = await aclient.batch([{"loss": "mse_loss", "input": [1.0], "target": [3.0]}])
            assert isinstance(batch[0], lossd.LossResult) and batch[0].value == 4.0
            with pytest.raises(lossd.ShapeMismatch):
                await aclient.loss("cross_entropy", jobs[0][0], jobs[0][1][:3])
            return await asyncio.gather(*(aclient.loss("cross_entropy", x, t) for x, t in jobs))

    for (x, t), result in zip(jobs, asyncio.run(run())):
        expected = client.loss("cross_entropy", x, t)
        assert result.wire == "safetensors" and result.value == expected.value
        np.testing.assert_array_equal(result.grad, expected.grad)

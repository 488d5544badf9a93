"""Errors: problem+json from a real lossd becomes the class of its code; bad input is refused
before any request; 503s and dropped connections are retried within the budget; a closed or
silent server gives a clear exception, never a hang."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import numpy as np
import pytest

import lossd
from conftest import LossdProcess, ScriptedServer, Step, problem

RESULT: Step = (200, {"Content-Type": "application/json"},
                json.dumps({"loss": "mse_loss", "dtype": "float32", "value": 4.0, "grad": [-4.0],
                            "diagnostics": {"warnings": []}}).encode())


def closed_port_url() -> str:
    """A loopback URL where nothing listens."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize("call, cls, pointer", [
    (lambda c: c.loss("cross_entropy", np.zeros((2, 3), np.float32), [0, 3]), lossd.TargetOutOfRange, "/target"),
    (lambda c: c.loss("cross_entropy", np.zeros((2, 3), np.float32), [0]), lossd.ShapeMismatch, "/target"),
    (lambda c: c.loss("cross_entropy", np.zeros((2, 3), np.float32), [0, 1], labl_smoothing=0.1),
     lossd.InvalidOption, "/options/labl_smoothing"),
    (lambda c: c.loss("smooth_l1_loss", [1.0], [2.0], beta=-1.0, wire="safetensors"), lossd.InvalidOption, None),
    (lambda c: c.loss("no_such_loss", [1.0], [2.0]), lossd.UnknownLoss, None),
])
def test_problems_become_exceptions_of_their_code(
        client: lossd.Client, call: Callable[[lossd.Client], object], cls: type, pointer: str | None) -> None:
    with pytest.raises(cls) as caught:
        call(client)
    error = caught.value
    assert isinstance(error, lossd.LossdError) and error.status in (404, 422)
    assert error.code == error.problem["code"] and error.detail and error.request_id
    if pointer:
        assert error.errors and error.errors[0].pointer.startswith(pointer)


def test_ragged_lists_and_wrong_dtypes_fail_before_any_request() -> None:
    # Nothing listens at this URL: reaching the network would raise ConnectionFailed instead.
    with lossd.Client(closed_port_url(), retries=0) as client:
        with pytest.raises(lossd.InvalidTensor, match="ragged") as ragged:
            client.loss("cross_entropy", [[1.0, 2.0], [3.0]], [0, 1])
        assert ragged.value.errors[0].pointer == "/input/1"
        with pytest.raises(lossd.InvalidTensor, match="complex128"):
            client.loss("mse_loss", np.array([1j]), np.array([1.0]))
        with pytest.raises(lossd.InvalidTensor, match="/jobs/1/target"):
            client.batch([{"loss": "mse_loss", "input": [1.0], "target": [1.0]},
                          {"loss": "mse_loss", "input": [1.0], "target": ["x"]}])


def test_a_closed_server_is_a_clear_connection_error() -> None:
    url = closed_port_url()
    with lossd.Client(url, retries=2, max_retry_wait=0.01) as client, pytest.raises(lossd.ConnectionFailed) as caught:
        client.loss("mse_loss", [1.0], [3.0])
    assert url in str(caught.value) and "after 3 attempts" in str(caught.value)
    assert isinstance(caught.value, ConnectionError)


def test_a_server_that_dies_between_calls(lossd_process: Callable[..., LossdProcess]) -> None:
    server = lossd_process()
    with lossd.Client(server.url, retries=1, max_retry_wait=0.01) as client:
        assert client.loss("mse_loss", [1.0], [3.0]).value == 4.0
        server.stop()
        with pytest.raises(lossd.ConnectionFailed):
            client.loss("mse_loss", [1.0], [3.0])


@pytest.mark.parametrize("code", ["OVERLOADED", "DRAINING"])
def test_503_is_retried_after_retry_after(scripted: Callable[[list[Step]], ScriptedServer], code: str) -> None:
    busy = problem(503, code, headers={"Retry-After": "0"})
    server = scripted([busy, busy, RESULT])
    with lossd.Client(server.url, retries=3) as client:
        assert client.loss("mse_loss", [1.0], [3.0]).value == 4.0
    assert len(server.requests) == 3
    assert server.requests[0]["body"] == server.requests[2]["body"]


def test_a_real_overloaded_lossd_is_waited_for(lossd_process: Callable[..., LossdProcess]) -> None:
    # One job in flight at a time: of 16 concurrent 8 MB jobs, lossd sheds some with
    # 503 OVERLOADED and Retry-After 1 (7 of 16 in a trial run); the client retries them all.
    server = lossd_process("--max-in-flight", "1", "--retry-after", "1")
    logits = np.random.default_rng(0).standard_normal((2048, 1000), dtype=np.float32)
    target = np.arange(2048) % 1000

    async def run() -> list[lossd.LossResult]:
        async with lossd.AsyncClient(server.url, connections=8, retries=10) as client:
            return await asyncio.gather(*(client.loss("cross_entropy", logits, target) for _ in range(16)))

    results = asyncio.run(run())
    assert len({r.value for r in results}) == 1
    metrics = httpx.get(server.url + "/metrics").text
    shed = [line for line in metrics.splitlines() if line.startswith("lossd_shed_total")]
    assert shed and float(shed[0].split()[-1]) >= 1, shed


def test_the_retry_budget_is_bounded(scripted: Callable[[list[Step]], ScriptedServer]) -> None:
    # Retry-After 3600 is capped at max_retry_wait; after `retries` retries the 503 is raised.
    server = scripted([problem(503, "OVERLOADED", headers={"Retry-After": "3600"})])
    with lossd.Client(server.url, retries=2, max_retry_wait=0.01) as client, pytest.raises(lossd.Overloaded) as caught:
        client.loss("mse_loss", [1.0], [3.0])
    assert len(server.requests) == 3
    assert caught.value.retry_after == 3600 and caught.value.status == 503
    assert isinstance(caught.value, lossd.Unavailable)


def test_other_errors_are_not_retried(scripted: Callable[[list[Step]], ScriptedServer]) -> None:
    server = scripted([problem(500, "INTERNAL_ERROR"), RESULT])
    with lossd.Client(server.url, retries=3) as client, pytest.raises(lossd.InternalError):
        client.loss("mse_loss", [1.0], [3.0])
    assert len(server.requests) == 1


def test_a_dropped_connection_is_retried_for_pure_requests(scripted: Callable[[list[Step]], ScriptedServer]) -> None:
    server = scripted(["drop", RESULT])
    with lossd.Client(server.url, retries=1) as client:
        assert client.loss("mse_loss", [1.0], [3.0]).value == 4.0
    assert len(server.requests) == 2


def test_a_silent_server_times_out_without_retry(scripted: Callable[[list[Step]], ScriptedServer]) -> None:
    server = scripted([("sleep", 1.0)])
    with lossd.Client(server.url, timeout=0.2, retries=3) as client, pytest.raises(lossd.Timeout) as caught:
        client.loss("mse_loss", [1.0], [3.0])
    assert len(server.requests) == 1 and isinstance(caught.value, TimeoutError)


def test_an_answer_that_is_not_lossd_is_a_protocol_error(scripted: Callable[[list[Step]], ScriptedServer]) -> None:
    server = scripted([(200, {"Content-Type": "text/html"}, b"<html>hello</html>")])
    with lossd.Client(server.url) as client, pytest.raises(lossd.ProtocolError, match="text/html"):
        client.loss("mse_loss", [1.0], [3.0])


def test_async_retries_and_errors(scripted: Callable[[list[Step]], ScriptedServer]) -> None:
    busy = problem(503, "OVERLOADED", headers={"Retry-After": "0"})
    server = scripted([busy, RESULT, problem(422, "SHAPE_MISMATCH")])

    async def run() -> None:
        async with lossd.AsyncClient(server.url, retries=1) as client:
            assert (await client.loss("mse_loss", [1.0], [3.0])).value == 4.0
            with pytest.raises(lossd.ShapeMismatch):
                await client.loss("mse_loss", [1.0], [3.0])
        async with lossd.AsyncClient(closed_port_url(), retries=0) as closed:
            with pytest.raises(lossd.ConnectionFailed):
                await closed.health()

    asyncio.run(run())
    assert len(server.requests) == 3

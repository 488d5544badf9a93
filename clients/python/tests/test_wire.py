"""The wire layer without a server: tensor conversion, safetensors against the reference
library, gzip decisions, problem mapping."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save

import lossd
from lossd import _wire
from lossd._errors import error_from_answer, error_from_problem


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.int32, np.uint8])
def test_safetensors_writer_is_read_by_the_reference_library(dtype: type) -> None:
    tensors: dict[str, np.ndarray] = {"input": (np.arange(12).reshape(3, 4) * 3).astype(dtype), "scalar": np.array(2, dtype)}
    loaded = st_load(_wire.encode_safetensors(tensors))
    assert set(loaded) == {"input", "scalar"}
    for name, array in tensors.items():
        assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape
        np.testing.assert_array_equal(loaded[name], array)


def test_safetensors_reader_reads_the_reference_library_and_gives_writable_views() -> None:
    grad = np.random.default_rng(0).standard_normal((5, 7)).astype(np.float32)
    body = bytearray(st_save({"grad": grad, "value": np.array(1.5, np.float32)},
                             metadata={"loss": "mse_loss", "diagnostics": json.dumps({"warnings": []})}))
    result = _wire.result_from_safetensors(body, "input")
    np.testing.assert_array_equal(result.grad, grad)
    assert result.value == 1.5 and result.loss == "mse_loss" and result.warnings == []
    assert result.grads == {"input": result.grad}
    result.grad[0, 0] = 9.0  # a view of the buffer, and writable
    assert result.grad[0, 0] == 9.0


def test_gradients_of_named_tensors_are_mapped_by_name() -> None:
    document = {"loss": "triplet", "dtype": "float32", "value": 0.5,
                "grad": [1.0, 2.0], "grad_anchor": [1.0, 2.0], "grad_positive": {"shape": [2], "data": [3.0, "NaN"]}}
    result = _wire.result_from_json(document, "anchor")
    assert set(result.grads) == {"anchor", "positive"}
    np.testing.assert_array_equal(result.grad, [1.0, 2.0])
    assert np.isnan(result.grads["positive"][1]) and result.grads["positive"].dtype == np.float32


def test_broken_safetensors_answer_is_a_protocol_error() -> None:
    with pytest.raises(lossd.ProtocolError):
        _wire.decode_safetensors(bytearray(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json"))


def test_ragged_lists_name_the_first_offending_element() -> None:
    with pytest.raises(lossd.InvalidTensor) as caught:
        _wire.to_numpy("input", [[1.0, 2.0], [3.0, 4.0], [5.0]])
    assert caught.value.status is None and caught.value.code == "INVALID_TENSOR"
    assert [e.pointer for e in caught.value.errors] == ["/input/2"]
    with pytest.raises(lossd.InvalidTensor) as deeper:
        _wire.to_numpy("target", [[[1, 2], [3, 4]], [[5, 6], [7]]])
    assert deeper.value.errors[0].pointer == "/target/1/1"


@pytest.mark.parametrize("value", [["a", "b"], np.array([1 + 2j]), np.array([True, False]),
                                   np.array(["2026-01-01"], dtype="datetime64[D]")])
def test_element_types_lossd_cannot_read_are_refused(value: object) -> None:
    with pytest.raises(lossd.InvalidTensor, match="lossd takes"):
        _wire.to_numpy("input", value)


def test_conversions_follow_lossd_defaults() -> None:
    assert _wire.to_numpy("input", [[0.5, 1.0]]).dtype == np.float32
    assert _wire.to_numpy("input", [[0.5, 1.0]], np.dtype(np.float64)).dtype == np.float64
    assert _wire.to_numpy("input", np.ones(2, np.float64)).dtype == np.float64
    assert _wire.to_numpy("target", [1, 2]).dtype == np.int64
    assert _wire.to_numpy("jobs/3/target", [1, 2]).dtype == np.int64
    assert _wire.to_numpy("input", [[1, 2]]).dtype == np.float32  # JSON's numbers, as lossd reads them
    assert _wire.to_numpy("input", np.array([1, 2])).dtype == np.int64  # an array's dtype is kept
    big_endian = _wire.to_numpy("input", np.array([1.5, 2.5], ">f4"))
    assert big_endian.dtype == np.float32 and big_endian.dtype.byteorder in "=<" and big_endian[1] == 2.5
    assert _wire.to_numpy("target", np.array([1, 2], np.uint16)).dtype == np.int64
    assert _wire.to_numpy("target", np.array([1, 2], np.uint8)).dtype == np.uint8
    fortran = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert _wire.to_numpy("input", fortran).flags.c_contiguous


def test_gzip_only_where_it_pays() -> None:
    text = _wire.dump_json({"data": _wire.JsonTensor(np.random.default_rng(1).standard_normal(5000).astype(np.float32))})
    packed = _wire.gzip_if_it_pays(text, "auto", text=True)
    assert packed is not None and len(packed) < 0.6 * len(text) and gzip.decompress(packed) == text
    noise = np.random.default_rng(2).standard_normal(20000).astype(np.float32).tobytes()
    assert len(gzip.compress(noise, 1)) > 0.85 * len(noise)  # why raw floats are not compressed
    assert _wire.gzip_if_it_pays(noise, "auto", text=False) is None
    assert _wire.gzip_if_it_pays(text[:1000], "auto", text=True) is None
    assert _wire.gzip_if_it_pays(noise, True, text=False) is not None
    assert _wire.gzip_if_it_pays(text, False, text=True) is None


def test_json_job_is_shape_and_data_with_the_shortest_digits_of_its_dtype() -> None:
    tensors = {"input": np.array([[0.1, 1e-7], [-2.5, 3.0]], np.float32), "target": np.array([1, 0]),
               "weight": np.array([1.5, float("nan")], np.float32)}
    text = _wire.dump_json({"loss": "x", **_wire.json_job(tensors, {"reduction": "sum"}, ["value"])})
    assert b'"data":[0.1,1e-07,-2.5,3.0]' in text and b'"data":[1,0]' in text
    job = json.loads(text)
    assert job["input"] == {"shape": [2, 2], "dtype": "float32", "data": [0.1, 1e-7, -2.5, 3.0]}
    assert job["target"]["dtype"] == "int64" and np.isnan(job["weight"]["data"][1])
    assert job["options"] == {"reduction": "sum"} and job["outputs"] == ["value"] and job["loss"] == "x"
    for name, array in tensors.items():
        np.testing.assert_array_equal(np.asarray(job[name]["data"], array.dtype).reshape(array.shape), array)


def test_problem_codes_become_their_classes() -> None:
    error = error_from_problem({"status": 422, "code": "TARGET_OUT_OF_RANGE", "detail": "target 7",
                                "errors": [{"pointer": "/target/1", "detail": "7 not in [0, 3)"}]})
    assert isinstance(error, lossd.TargetOutOfRange) and isinstance(error, lossd.InvalidJob)
    assert error.status == 422 and error.errors == [lossd.Pointer("/target/1", "7 not in [0, 3)")]
    assert "/target/1" in str(error)
    assert set(lossd.ERRORS_BY_CODE.values()) <= {c for c in vars(lossd).values() if isinstance(c, type)}
    unknown = error_from_problem({"status": 422, "code": "SOMETHING_NEW", "detail": "x"})
    assert type(unknown) is lossd.InvalidJob and unknown.code == "SOMETHING_NEW"
    plain = error_from_answer(502, "text/html", b"<html>bad gateway</html>", request_id=None, retry_after=None)
    assert type(plain) is lossd.LossdError and plain.status == 502 and "bad gateway" in str(plain)


def test_server_timing_is_parsed() -> None:
    assert _wire.parse_server_timing("parse;dur=0.25, compute;dur=1.5, encode;dur=0") == {
        "parse": 0.25, "compute": 1.5, "encode": 0.0}
    assert _wire.parse_server_timing(None) == {}


def test_the_package_is_typed_and_ships_its_catalogue() -> None:
    from importlib import resources
    package = resources.files("lossd")
    assert package.joinpath("py.typed").is_file()
    catalogue = json.loads(package.joinpath("catalogue.json").read_text())
    assert "cross_entropy" in {entry["name"] for entry in catalogue["losses"]}

"""TFLite round trips: every format against the Keras model, the int8 model's integer-ness, errors.

Bounds (median-scaled abs_rel against the Keras depth on 8 held-out synthetic frames of a
briefly trained 32x96 model): float32 max relative error 1e-4; float16 0.002; dynamic 0.02;
int8 0.03.
"""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from export import fidelity, tflite_lib
from export.lite_runtime import LiteDepthModel
from sfmlearner_tf.evaluation.depth_metrics import compute_depth_metrics
from tests.export.conftest import VAL_FRAMES

BOUNDS = {"float16": 0.002, "dynamic": 0.02, "int8": 0.03}


def _lite_depth(path, synthetic_frames):
    model = LiteDepthModel(path)
    return np.stack([model(image)[0] for image in synthetic_frames[0][VAL_FRAMES]])


def test_float32_equals_keras(tflite_file, keras_depth, synthetic_frames):
    got = _lite_depth(tflite_file("float32")[0], synthetic_frames)
    assert got.shape == keras_depth.shape == (8, 32, 96)
    np.testing.assert_allclose(got, keras_depth, rtol=1e-4)


@pytest.mark.parametrize("quantization", sorted(BOUNDS))
def test_quantized_agreement(tflite_file, keras_depth, synthetic_frames, quantization):
    got = _lite_depth(tflite_file(quantization)[0], synthetic_frames)
    abs_rel = np.mean([fidelity.median_scaled_abs_rel(k, g) for k, g in zip(keras_depth, got)])
    assert 0 < abs_rel < BOUNDS[quantization]


def test_int8_report(tflite_file, keras_depth, synthetic_frames):
    path, report = tflite_file("int8")
    # The report measures the same agreement on the same held-out frames, and is written beside the model.
    got = _lite_depth(path, synthetic_frames)
    expected = np.mean([fidelity.median_scaled_abs_rel(k, g) for k, g in zip(keras_depth, got)])
    assert report["num_images"] == 8 and report["eval_split"] == "val"
    assert report["abs_rel_vs_keras"] == pytest.approx(expected, rel=1e-3)
    with open(tflite_lib.report_path(path)) as f:
        assert json.load(f)["abs_rel_vs_keras"] == report["abs_rel_vs_keras"]
    # The records carry gt_depth, so both models are scored against it: the same figures as ours.
    gt_depths = synthetic_frames[1][VAL_FRAMES]
    for key, depth in (("gt_metrics_tflite", got), ("gt_metrics_keras", keras_depth)):
        ours = np.mean([compute_depth_metrics(gt, d)["abs_rel"] for gt, d in zip(gt_depths, depth)])
        assert report[key]["abs_rel"] == pytest.approx(ours, rel=1e-3), key
    assert report["latency_ms_median"] > 0 and report["size_bytes"] == os.path.getsize(path)
    assert "abs_rel vs Keras" in fidelity.format_table(report)


def test_agreement_verdict(tflite_file):
    _, report = tflite_file("int8")
    measured = report["abs_rel_vs_keras"]
    assert fidelity.agreement_problem(report, 2 * measured) is None
    assert fidelity.agreement_problem(report, 0) is None  # 0 accepts any
    problem = fidelity.agreement_problem(report, measured / 2)
    assert report["file"] in problem and f"{measured:.4f}" in problem and "int8" in problem
    # Without held-out frames there is no agreement to judge.
    latency_only = {key: value for key, value in report.items() if not key.startswith("abs_rel")}
    assert fidelity.agreement_problem(latency_only, 1e-9) is None


def test_sizes(tflite_file):
    float32 = os.path.getsize(tflite_file("float32")[0])
    assert os.path.getsize(tflite_file("float16")[0]) < 0.55 * float32
    assert os.path.getsize(tflite_file("dynamic")[0]) < 0.27 * float32
    assert os.path.getsize(tflite_file("int8")[0]) < 0.27 * float32


def assert_integer_end_to_end(path, report):
    """Every tensor of the .tflite file is int8/uint8/int32 except the one dequantized float32
    output, no op computes in float, the report says so, and the input is raw camera pixels."""
    with open(path, "rb") as f:
        model = f.read()
    leftover = tflite_lib.non_integer_tensors(model)
    lite = LiteDepthModel(path)
    output = lite.interpreter.get_output_details()[0]
    assert leftover == [f"{output['name']}:float32"]
    assert tflite_lib.float_ops(model) == []
    assert report["non_integer_tensors"] == leftover
    detail = lite.interpreter.get_input_details()[0]
    assert detail["dtype"] == np.uint8 and detail["quantization"] == (1.0, 0)


def test_int8_is_integer_end_to_end(tflite_file):
    assert_integer_end_to_end(*tflite_file("int8"))


def test_unquantizable_op_is_named(tmp_path):
    class WithSine(tf.Module):
        def __init__(self):
            self.kernel = tf.Variable(tf.random.stateless_normal([3, 3, 3, 4], seed=[0, 1]))

        @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 3], tf.float32, name="pixels")])
        def logits(self, pixels):
            return {"disparity_logits": tf.math.sin(tf.nn.conv2d(pixels, self.kernel, 1, "SAME"))}

    module = WithSine()
    tf.saved_model.save(module, str(tmp_path), signatures={"disparity_logits": module.logits})
    frames = [np.full([8, 8, 3], v, np.uint8) for v in (10, 120, 240)]
    with pytest.raises(tflite_lib.QuantizationError, match=r"SIN.*--quantization=dynamic"):
        tflite_lib.convert(str(tmp_path), "int8", tflite_lib.representative_images(frames))


def test_int8_needs_frames(saved_model_dir, tmp_path):
    with pytest.raises(ValueError, match="representative"):
        tflite_lib.export_tflite(saved_model_dir, "int8", str(tmp_path / "m.tflite"))
    with pytest.raises(ValueError, match="quantization"):
        tflite_lib.convert(saved_model_dir, "int4")


def test_median_scaled_abs_rel_known_answer():
    reference = np.array([[1.0, 2.0], [4.0, 8.0]])
    assert fidelity.median_scaled_abs_rel(reference, 3.0 * reference) == pytest.approx(0.0, abs=1e-12)
    # Scale 1 (equal medians), one pixel 10% off: mean relative error 0.1 / 4.
    assert fidelity.median_scaled_abs_rel(reference, reference * [[1.0, 1.0], [1.0, 1.1]]) == pytest.approx(0.025)

"""The compact depth network (`--depth_net=mobile`) through the unchanged export path: SavedModel,
the four TFLite formats against Keras, the int8 model's integer-ness and its fidelity report.

Same frames and bounds as test_tflite.py (DispNet): 8 held-out synthetic frames of a briefly
trained 32x96 run, median-scaled abs_rel against the served Keras depth.
"""

import numpy as np
import pytest
import tensorflow as tf

from export import fidelity, inference_graph
from sfmlearner_tf.models import MobileDepthNet
from sfmlearner_tf.run_dir import restore_models
from tests.export.conftest import VAL_FRAMES
from tests.export.test_tflite import BOUNDS, _lite_depth, assert_integer_end_to_end


def test_served_depth_is_the_restored_networks(mobile_run_dir, mobile_keras_depth, synthetic_frames):
    config, depth_net, _ = restore_models(mobile_run_dir)
    assert config.model.depth_net == "mobile" and isinstance(depth_net, MobileDepthNet)
    images = tf.constant(synthetic_frames[0][VAL_FRAMES], tf.float32) / 127.5 - 1.0
    expected = 1.0 / depth_net(images)[0].numpy()[..., 0]
    np.testing.assert_allclose(mobile_keras_depth, expected, rtol=1e-5)
    # Trained, not a flat map: the agreement checks below would be vacuous on a constant output.
    assert np.std(np.log(expected)) > 0.1


def test_tflite_graph_logits_match_the_network(mobile_run_dir, synthetic_frames):
    _, depth_net, _ = restore_models(mobile_run_dir)
    pixels = tf.constant(synthetic_frames[0][:3], tf.float32)
    expected = depth_net(pixels / 127.5 - 1.0)[0].numpy()
    # The SavedModel's converter graph asks for the depth_to_space rewrite; there is nothing to rewrite.
    for upconv in inference_graph.UPCONV_MODES:
        logits = inference_graph.disparity_logits(depth_net, pixels, upconv)
        np.testing.assert_allclose((10.0 * tf.sigmoid(logits) + 0.01).numpy(), expected, rtol=1e-4, atol=1e-6)


def test_float32_equals_keras(mobile_tflite_file, mobile_keras_depth, synthetic_frames):
    got = _lite_depth(mobile_tflite_file("float32")[0], synthetic_frames)
    assert got.shape == mobile_keras_depth.shape == (8, 32, 96)
    np.testing.assert_allclose(got, mobile_keras_depth, rtol=1e-4)


@pytest.mark.parametrize("quantization", sorted(BOUNDS))
def test_quantized_agreement(mobile_tflite_file, mobile_keras_depth, synthetic_frames, quantization):
    got = _lite_depth(mobile_tflite_file(quantization)[0], synthetic_frames)
    abs_rel = np.mean([fidelity.median_scaled_abs_rel(k, g) for k, g in zip(mobile_keras_depth, got)])
    assert 0 < abs_rel < BOUNDS[quantization]


def test_int8_is_integer_end_to_end_with_its_report(mobile_tflite_file):
    path, report = mobile_tflite_file("int8")
    assert_integer_end_to_end(path, report)
    # The report the export guard (`--max_abs_rel_vs_keras`) judges.
    assert report["num_images"] == 8 and 0 < report["abs_rel_vs_keras"] < BOUNDS["int8"]
    assert fidelity.agreement_problem(report, BOUNDS["int8"]) is None

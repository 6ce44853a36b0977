"""inverse_warp converts to TFLite with builtin ops only and runs there with the same numbers."""

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.geometry import inverse_warp

litert = pytest.importorskip("ai_edge_litert.interpreter")


def test_inverse_warp_converts_to_builtin_tflite_ops():
    rng = np.random.default_rng(0)
    args = [
        rng.uniform(-1, 1, [1, 16, 24, 3]).astype(np.float32),
        rng.uniform(2, 5, [1, 16, 24, 1]).astype(np.float32),
        np.array([[0.1, 0.05, 0.2, 0.01, 0.02, -0.03]], np.float32),
        np.array([[[10.0, 0, 11.5], [0, 10.0, 7.5], [0, 0, 1]]], np.float32),
    ]

    @tf.function(input_signature=[tf.TensorSpec(a.shape, tf.float32) for a in args])
    def warp(image, depth, pose, intrinsics):
        warped, valid = inverse_warp(image, depth, pose, intrinsics)
        return {"warped": warped, "valid": valid}

    converter = tf.lite.TFLiteConverter.from_concrete_functions([warp.get_concrete_function()], warp)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    interpreter = litert.Interpreter(model_content=converter.convert())
    interpreter.allocate_tensors()
    # The four inputs have distinct shapes, which identifies them whatever their order.
    by_shape = {a.shape: a for a in args}
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], by_shape[tuple(detail["shape"])])
    interpreter.invoke()
    expected = warp(*args)
    by_channels = {d["shape"][-1]: interpreter.get_tensor(d["index"])
                   for d in interpreter.get_output_details()}
    assert 0.2 < float(tf.reduce_mean(expected["valid"])) < 1.0
    np.testing.assert_array_equal(by_channels[1], expected["valid"])
    np.testing.assert_allclose(by_channels[3], expected["warped"], atol=1e-5)

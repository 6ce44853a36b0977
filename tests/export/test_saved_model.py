"""SavedModel export: signatures TF Serving reads, outputs equal to the Keras networks (1e-5)."""

import os
import pathlib
import subprocess

import numpy as np
import pytest
import tensorflow as tf

from export import saved_model_lib
from sfmlearner_tf.run_dir import restore_models

SAVED_MODEL_CLI = pathlib.Path(__file__).resolve().parents[2] / ".venv" / "bin" / "saved_model_cli"


def test_serving_outputs_equal_keras(run_dir, saved_model_dir, synthetic_frames):
    config, depth_net, pose_net = restore_models(run_dir)
    images = synthetic_frames[0]
    loaded = tf.saved_model.load(saved_model_dir)

    served = loaded.signatures["serving_default"](image=tf.constant(images[:2]))
    disparity = depth_net(tf.constant(images[:2], tf.float32) / 127.5 - 1.0)[0].numpy()
    assert served["disparity"].dtype == tf.float32 and served["disparity"].shape == (2, 32, 96, 1)
    np.testing.assert_allclose(served["disparity"].numpy(), disparity, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(served["depth"].numpy(), 1.0 / disparity, rtol=1e-5)

    target, sources = images[1:3], np.concatenate([images[0:2], images[2:4]], axis=-1)
    served = loaded.signatures["pose"](target=tf.constant(target), sources=tf.constant(sources))
    expected = pose_net(tf.constant(target, tf.float32) / 127.5 - 1.0, tf.constant(sources, tf.float32) / 127.5 - 1.0)
    assert served["pose"].shape == (2, config.model.num_source, 6)
    np.testing.assert_allclose(served["pose"].numpy(), expected["pose"].numpy(), rtol=1e-5, atol=1e-7)
    assert served["masks"].shape == (2, 32, 96, config.model.num_source)
    np.testing.assert_allclose(served["masks"].numpy(), expected["masks"][0].numpy(), rtol=1e-5, atol=1e-6)


def test_saved_model_cli_lists_signatures(saved_model_dir):
    if not SAVED_MODEL_CLI.exists():
        pytest.skip(f"{SAVED_MODEL_CLI} not installed")
    shown = subprocess.run([str(SAVED_MODEL_CLI), "show", "--all", "--dir", saved_model_dir],
                           capture_output=True, text=True, check=True, timeout=120).stdout
    for expected in ("signature_def['serving_default']", "signature_def['pose']",
                     "inputs['image'] tensor_info:", "dtype: DT_UINT8", "shape: (-1, 32, 96, 3)",
                     "outputs['depth'] tensor_info:", "outputs['disparity'] tensor_info:",
                     "inputs['sources'] tensor_info:", "shape: (-1, 32, 96, 6)",
                     "outputs['pose'] tensor_info:", "shape: (-1, 2, 6)"):
        assert expected in shown, f"{expected!r} missing from saved_model_cli output:\n{shown}"


def test_export_refuses_to_overwrite(run_dir, saved_model_dir):
    with pytest.raises(FileExistsError, match="overwrite"):
        saved_model_lib.export_saved_model(run_dir, saved_model_dir)
    assert saved_model_lib.read_export_config(saved_model_dir).model.width == 96
    # No temporary directory is left beside the model.
    parent = os.path.dirname(saved_model_dir)
    assert sorted(os.listdir(parent)) == [os.path.basename(saved_model_dir)]


def test_missing_checkpoint_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        saved_model_lib.export_saved_model(str(tmp_path / "nothing"), str(tmp_path / "out"))

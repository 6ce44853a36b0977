"""The optimizer and precision: which policy each setting gives, loss scaling only for float16,
a bfloat16 run."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

from sfmlearner_tf.config import TrainConfig
from sfmlearner_tf.flags import define_config_flags
from sfmlearner_tf.training.optimizer import FusedAdam, make_optimizer, mixed_precision_policy
from sfmlearner_tf.training.trainer import Trainer
from tests.training.test_train_run import tiny_config


@pytest.fixture
def restore_float32_policy():
    yield
    keras.config.set_dtype_policy("float32")


def test_fused_adam_takes_keras_adams_steps():
    rng = np.random.default_rng(0)
    start = rng.normal(size=(20, 3)).astype(np.float32)
    gradients = [rng.normal(size=(20, 3)).astype(np.float32) for _ in range(10)]
    weights = []
    for optimizer_class in (keras.optimizers.Adam, FusedAdam):
        variable = keras.Variable(start)
        optimizer = optimizer_class(learning_rate=1e-2, beta_1=0.9, beta_2=0.999)
        step = tf.function(lambda gradient: optimizer.apply_gradients([(gradient, variable)]))
        for gradient in gradients:
            step(tf.constant(gradient))
        weights.append(variable.numpy())
    assert np.abs(weights[1] - start).max() > 0.05
    np.testing.assert_allclose(weights[1], weights[0], atol=1e-6)


def _pretend_gpu(monkeypatch, has_gpu):
    """Makes `tf.config.list_physical_devices`, which `mixed_precision_policy` asks, see a GPU or none."""
    gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
    real = tf.config.list_physical_devices

    def list_physical_devices(device_type=None):
        if device_type == "GPU":
            return [gpu] if has_gpu else []
        return real(device_type)

    monkeypatch.setattr(tf.config, "list_physical_devices", list_physical_devices)


@pytest.mark.parametrize("has_gpu", [False, True], ids=["cpu", "gpu"])
@pytest.mark.parametrize(
    "mixed, dtype, policy",
    [(False, "bfloat16", "float32"), (True, "float16", "mixed_float16"),
     (True, "bfloat16", "mixed_bfloat16")],
)
def test_policy_of_each_explicit_setting_ignores_the_devices(monkeypatch, has_gpu, mixed, dtype, policy):
    _pretend_gpu(monkeypatch, has_gpu)
    assert mixed_precision_policy(TrainConfig(mixed_precision=mixed, mixed_precision_dtype=dtype)) == policy


@pytest.mark.parametrize(
    "has_gpu, policy", [(False, "mixed_bfloat16"), (True, "mixed_float16")], ids=["cpu", "gpu"]
)
def test_auto_is_float16_on_a_gpu_and_bfloat16_on_a_cpu(monkeypatch, has_gpu, policy):
    _pretend_gpu(monkeypatch, has_gpu)
    assert mixed_precision_policy(TrainConfig(mixed_precision=True, mixed_precision_dtype="auto")) == policy
    # Without mixed precision the devices do not matter either.
    plain = TrainConfig(mixed_precision=False, mixed_precision_dtype="auto")
    assert mixed_precision_policy(plain) == "float32"


def test_only_float16_scales_the_loss():
    scaled = make_optimizer(TrainConfig(mixed_precision=True, mixed_precision_dtype="float16"))
    plain = make_optimizer(TrainConfig(mixed_precision=True, mixed_precision_dtype="bfloat16"))
    assert isinstance(scaled, keras.optimizers.LossScaleOptimizer)
    assert not isinstance(plain, keras.optimizers.LossScaleOptimizer)


def test_unknown_dtype_is_refused():
    with pytest.raises(ValueError, match="mixed_precision_dtype must be one of .* got 'int8'"):
        TrainConfig(mixed_precision_dtype="int8")
    values = flags.FlagValues()
    define_config_flags(values)
    with pytest.raises(flags.IllegalFlagValueError):
        values(["program", "--mixed_precision_dtype=int8"])


def test_bfloat16_run_computes_in_bfloat16_and_keeps_float32_weights(tiny_dataset, tmp_path, restore_float32_policy):
    config = tiny_config(tiny_dataset, tmp_path / "run", max_steps=3, save_every=3, summary_every=3, log_every=1,
                         mixed_precision=True, mixed_precision_dtype="bfloat16")
    lines = []
    trainer = Trainer(config, log=lines.append)
    assert trainer.run() == 3
    assert any("precision mixed_bfloat16" in line for line in lines)
    depth_net = trainer.state.depth_net
    assert depth_net.cnv1.compute_dtype == "bfloat16"
    assert all(variable.dtype == "float32" for variable in depth_net.trainable_variables)
    assert all(np.isfinite(variable.numpy()).all() for variable in depth_net.trainable_variables)

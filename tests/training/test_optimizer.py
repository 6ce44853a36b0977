"""The optimizer and precision: which policy each setting gives, loss scaling only for float16,
a bfloat16 run, and bfloat16 refused on a CPU that would only emulate it."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

from sfmlearner_tf.config import TrainConfig
from sfmlearner_tf.flags import define_config_flags
from sfmlearner_tf.training import optimizer as optimizer_module
from sfmlearner_tf.training.optimizer import FusedAdam, make_optimizer, mixed_precision_policy
from sfmlearner_tf.training.trainer import Trainer
from tests.training.test_train_run import tiny_config


@pytest.fixture
def restore_float32_policy():
    yield
    keras.config.set_dtype_policy("float32")


AVX512_BF16_CPU = ("AMD EPYC", ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"))
AVX2_CPU = ("AMD EPYC", ("avx2", "fma"))


@pytest.fixture(autouse=True)
def native_bfloat16_cpu(monkeypatch):
    """Every test sees a CPU with native bfloat16 unless it pretends otherwise (CI machines vary)."""
    monkeypatch.setattr(optimizer_module, "cpu_model_and_flags", lambda: AVX512_BF16_CPU)


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


def test_bfloat16_is_refused_on_a_cpu_without_native_bfloat16(monkeypatch, tiny_dataset, tmp_path):
    _pretend_gpu(monkeypatch, False)
    monkeypatch.setattr(optimizer_module, "cpu_model_and_flags", lambda: AVX2_CPU)
    message = r"neither avx512_bf16 nor amx_bf16, so bfloat16 is emulated.*train in float32 without --mixed_precision"
    for dtype in ("auto", "bfloat16"):
        with pytest.raises(ValueError, match=message):
            mixed_precision_policy(TrainConfig(mixed_precision=True, mixed_precision_dtype=dtype))
    # The trainer refuses before it builds anything; float16 and float32 are not affected.
    config = tiny_config(tiny_dataset, tmp_path / "run", max_steps=1, mixed_precision=True)
    with pytest.raises(ValueError, match=message):
        Trainer(config)
    assert not (tmp_path / "run").exists()
    assert mixed_precision_policy(TrainConfig(mixed_precision=True, mixed_precision_dtype="float16")) == "mixed_float16"
    assert mixed_precision_policy(TrainConfig(mixed_precision=False)) == "float32"
    # A GPU run with bfloat16 is the GPU's business, not the CPU's.
    _pretend_gpu(monkeypatch, True)
    assert mixed_precision_policy(TrainConfig(mixed_precision=True, mixed_precision_dtype="bfloat16")) == "mixed_bfloat16"


def test_clip_grad_norm_scales_a_spike_down_to_the_global_norm():
    rng = np.random.default_rng(1)
    start = [rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(5,)).astype(np.float32)]
    # A normal gradient, then a spike 1000x larger (norms about 4 and 4000).
    steps = [[rng.normal(size=v.shape).astype(np.float32) * scale for v in start] for scale in (1.0, 1000.0)]

    def run(optimizer, gradients_of_step):
        variables = [keras.Variable(v) for v in start]
        for gradients in gradients_of_step:
            optimizer.apply_gradients(zip([tf.constant(g) for g in gradients], variables))
        return [v.numpy() for v in variables]

    def clipped(gradients, norm):
        total = np.sqrt(sum(float(np.sum(g * g)) for g in gradients))
        return [g * min(1.0, norm / total) for g in gradients]

    clipping = make_optimizer(TrainConfig(learning_rate=1e-2, clip_grad_norm=1.0))
    assert clipping.global_clipnorm == 1.0
    by_hand = run(keras.optimizers.Adam(learning_rate=1e-2), [clipped(g, 1.0) for g in steps])
    for got, want in zip(run(clipping, steps), by_hand):
        np.testing.assert_allclose(got, want, atol=1e-6)
    # And it matters: without clipping the spike moves the weights differently.
    plain = run(make_optimizer(TrainConfig(learning_rate=1e-2)), steps)
    assert max(np.abs(a - b).max() for a, b in zip(plain, by_hand)) > 1e-3
    with pytest.raises(ValueError, match="clip_grad_norm must be >= 0"):
        TrainConfig(clip_grad_norm=-1.0)

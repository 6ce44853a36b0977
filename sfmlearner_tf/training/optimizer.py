"""The optimizer of both networks (Adam with the paper's constant learning rate) and the precision policy."""

import keras
import tensorflow as tf

from sfmlearner_tf.config import TrainConfig
from sfmlearner_tf.cpu_features import cpu_model_and_flags, missing_bfloat16_support


def mixed_precision_policy(config: TrainConfig) -> str:
    """The Keras dtype policy of the networks: "float32", "mixed_float16" or "mixed_bfloat16".

    With `mixed_precision` the convolutions compute in 16 bits while the weights, the loss and
    the update stay float32. `mixed_precision_dtype="auto"` picks float16 where a GPU is visible
    (its tensor cores; needs loss scaling) and bfloat16 on a CPU: oneDNN runs bfloat16
    convolutions natively on AVX512-BF16 / AMX processors (about 1.6x the float32 speed of the
    networks' forward+backward pass on the 2-core AMD EPYC of BUILD.md), while CPU float16 has no
    fast kernels. A CPU without native bfloat16 (no avx512_bf16 / amx_bf16) raises a ValueError
    naming what it lacks.
    """
    if not config.mixed_precision:
        return "float32"
    dtype = config.mixed_precision_dtype
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    if dtype == "auto":
        dtype = "float16" if on_gpu else "bfloat16"
    if dtype == "bfloat16" and not on_gpu:
        lacking = missing_bfloat16_support(cpu_model_and_flags()[1])
        if lacking:
            # Emulated bfloat16 made the 128x416 step 5x slower than float32 on an AVX2 EPYC
            # (BUILD.md, 'CPU settings'): refuse rather than run slowly without a word.
            raise ValueError(f"--mixed_precision: {lacking}, about 5x slower than float32; "
                             "train in float32 without --mixed_precision")
    return f"mixed_{dtype}"


@keras.saving.register_keras_serializable(package="sfmlearner_tf")
class FusedAdam(keras.optimizers.Adam):
    """Keras' Adam, with each dense update done by TensorFlow's fused `ResourceApplyAdam` kernel.

    The same rule, slots and checkpoint layout as `keras.optimizers.Adam`:
    m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps).
    Keras writes it as nine elementwise ops, each a pass over the weights; on a CPU, over the
    34 M weights of the two networks, that took 0.13 s of kernel time per training step. The fused
    kernel makes one pass. Sparse gradients and AMSGrad keep Keras' update.
    """

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad or isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        index = self._get_variable_index(variable)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=_handle(variable), m=_handle(self._momentums[index]), v=_handle(self._velocities[index]),
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype),
        )


def _handle(variable):
    """The resource handle of a Keras variable (its `tf.Variable`) or of a `tf.Variable`."""
    if isinstance(variable, keras.Variable):
        variable = variable.value
    return variable.handle


def make_optimizer(config: TrainConfig) -> keras.optimizers.Optimizer:
    """`FusedAdam`(learning_rate, beta1, beta2), its gradient's global norm clipped to
    `clip_grad_norm` when set; wrapped in a dynamic `LossScaleOptimizer` under float16.

    The loss scale keeps float16 gradients from underflowing: the train step multiplies the loss
    by `optimizer.scale_loss`, and the wrapper divides the gradients back, skipping (and halving
    the scale) on a step whose float16 gradients overflowed. bfloat16 has float32's exponent
    range and needs no scaling.
    """
    # Keras clips before the update (under a strategy, each replica's gradient before the sum).
    optimizer = FusedAdam(learning_rate=config.learning_rate, beta_1=config.beta1, beta_2=config.beta2,
                          global_clipnorm=config.clip_grad_norm or None)
    if mixed_precision_policy(config) == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def set_precision_policy(config: TrainConfig) -> str:
    """Sets the global Keras dtype policy (call before the networks are built); returns its name."""
    policy = mixed_precision_policy(config)
    keras.config.set_dtype_policy(policy)
    return policy

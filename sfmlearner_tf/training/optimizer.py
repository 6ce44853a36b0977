"""The optimizer of both networks (Adam with the paper's constant learning rate) and the precision policy."""

import keras
import tensorflow as tf

from sfmlearner_tf.config import TrainConfig


def mixed_precision_policy(config: TrainConfig) -> str:
    """The Keras dtype policy of the networks: "float32", "mixed_float16" or "mixed_bfloat16".

    With `mixed_precision` the convolutions compute in 16 bits while the weights, the loss and
    the update stay float32. `mixed_precision_dtype="auto"` picks float16 where a GPU is visible
    (its tensor cores; needs loss scaling) and bfloat16 on a CPU: oneDNN runs bfloat16
    convolutions natively on AVX512-BF16 / AMX processors (about 1.6x the float32 speed of the
    networks' forward+backward pass on the 2-core AMD EPYC of BUILD.md), while CPU float16 has no
    fast kernels.
    """
    if not config.mixed_precision:
        return "float32"
    dtype = config.mixed_precision_dtype
    if dtype == "auto":
        dtype = "float16" if tf.config.list_physical_devices("GPU") else "bfloat16"
    return f"mixed_{dtype}"


def make_optimizer(config: TrainConfig) -> keras.optimizers.Optimizer:
    """Adam(learning_rate, beta1, beta2); wrapped in a dynamic `LossScaleOptimizer` under float16.

    The loss scale keeps float16 gradients from underflowing: the train step multiplies the loss
    by `optimizer.scale_loss`, and the wrapper divides the gradients back, skipping (and halving
    the scale) on a step whose float16 gradients overflowed. bfloat16 has float32's exponent
    range and needs no scaling.
    """
    optimizer = keras.optimizers.Adam(
        learning_rate=config.learning_rate, beta_1=config.beta1, beta_2=config.beta2
    )
    if mixed_precision_policy(config) == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def set_precision_policy(config: TrainConfig) -> str:
    """Sets the global Keras dtype policy (call before the networks are built); returns its name."""
    policy = mixed_precision_policy(config)
    keras.config.set_dtype_policy(policy)
    return policy

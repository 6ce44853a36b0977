"""The optimizer of both networks: Adam with the paper's constant learning rate."""

import keras

from sfmlearner_tf.config import TrainConfig


def make_optimizer(config: TrainConfig) -> keras.optimizers.Optimizer:
    """Adam(learning_rate, beta1, beta2); wrapped in a dynamic `LossScaleOptimizer` under mixed precision.

    The loss scale keeps float16 gradients from underflowing: the train step multiplies the loss
    by `optimizer.scale_loss`, and the wrapper divides the gradients back, skipping (and halving
    the scale) on a step whose float16 gradients overflowed.
    """
    optimizer = keras.optimizers.Adam(
        learning_rate=config.learning_rate, beta_1=config.beta1, beta_2=config.beta2
    )
    if config.mixed_precision:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def set_precision_policy(mixed_precision: bool) -> None:
    """Sets the global Keras dtype policy; call before the networks are built."""
    keras.config.set_dtype_policy("mixed_float16" if mixed_precision else "float32")

"""Small building blocks shared by the networks (DispNet, MobileDepthNet, PoseExpNet).

Every convolution of the reference (SfMLearner `nets.py`, TF-slim defaults) is 'same'-padded with
Glorot-uniform weights and zero biases, and carries no weight decay: the original declared an L2
regularizer that its training loop never added to the loss, so none is declared here.
"""

from typing import Callable, Optional, Sequence

import keras
from keras import ops

from sfmlearner_tf.disparity import disparity_from_logits

# The hidden layers' activations a network may be built with (ModelConfig.activation).
from sfmlearner_tf.config import ACTIVATIONS  # noqa: F401 (re-exported for the networks)

# The coarsest disparity and mask (scale 3) must be exactly H/8 x W/8 so that each finer scale is
# exactly twice the next coarser one (the losses and the 2x disparity upsampling rely on it).
SIZE_MULTIPLE = 8


def conv(filters: int, kernel_size: int, strides: int = 1, activation: Optional[str] = "relu",
         name: Optional[str] = None, dtype=None, bias: float = 0.0) -> keras.layers.Conv2D:
    """A 'same'-padded Conv2D with the reference's initializers (the bias: `bias`, 0 in the reference).

    `dtype` is the owning network's dtype policy, so that a network built as e.g.
    `DispNet(dtype="mixed_float16")` (or reloaded from such a `.keras` file) is mixed throughout,
    whatever the global policy.
    """
    return keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        activation=activation,
        kernel_initializer="glorot_uniform",
        bias_initializer=keras.initializers.Constant(bias) if bias else "zeros",
        name=name,
        dtype=dtype,
    )


def upconv(filters: int, kernel_size: int, name: Optional[str] = None, dtype=None,
           activation: str = "relu") -> keras.layers.Conv2DTranspose:
    """A 'same'-padded stride-2 transposed conv + activation: exactly doubles height and width."""
    return keras.layers.Conv2DTranspose(
        filters,
        kernel_size,
        strides=2,
        padding="same",
        activation=activation,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        name=name,
        dtype=dtype,
    )


def crop_like(x, reference):
    """Crops the top-left `reference`-sized window out of `x`.

    A stride-2 'same' conv turns a side n into ceil(n / 2), so after the 7-level encoder a decoder
    stage (which doubles) can be one pixel larger than its skip connection (e.g. 416 wide: 13 -> 7
    -> 14 vs. 13). A crop is cheaper than the original's nearest-neighbour resize and, with the
    static shapes the networks require, a plain slice that converts cleanly to TFLite; when the
    sizes already agree nothing is added to the graph.

    Args:
      x: [B, h, w, C] with static h >= H and w >= W.
      reference: [B, H, W, C'] with static H, W: the size `x` is cropped to.

    Returns:
      [B, H, W, C], the same dtype as `x`.
    """
    height, width = reference.shape[1], reference.shape[2]
    if (x.shape[1], x.shape[2]) == (height, width):
        return x
    return x[:, :height, :width, :]


def as_shape_list(shape) -> list:
    """A TensorShape, tuple or list -> list of ints/None (for checks and error messages)."""
    if hasattr(shape, "as_list"):
        return shape.as_list()
    return list(shape)


def check_image_shape(shape: Sequence, channels: int, name: str) -> None:
    """Raises a ValueError quoting `shape` unless it is [B, H, W, channels] with H, W multiples of 8.

    H and W must be static (known when the graph is traced): the decoder crops and upsamples with
    sizes fixed at trace time. The batch size may be unknown.
    """
    dims = as_shape_list(shape)
    spatial_ok = len(dims) == 4 and all(
        isinstance(d, int) and d > 0 and d % SIZE_MULTIPLE == 0 for d in dims[1:3]
    )
    if not spatial_ok or dims[3] != channels:
        raise ValueError(
            f"expected {name} of shape [B, H, W, {channels}] with static H and W positive "
            f"multiples of {SIZE_MULTIPLE}, got {dims}"
        )


def decode_disparities(net, skips: Sequence, num_stages: int, num_scales: int, upsample: Callable) -> list:
    """The depth networks' decoder walk: `[(logits_s, disp_s)]` for s = 0..num_scales-1, finest first.

    Stage i (num_stages .. 1, working at 1 / 2^(i-1) of the input) upsamples the coarser features
    with `upsample(stage, x)`, concatenates the encoder skip `skips[i - 2]` (none at stage 1) and
    the 2x-upsampled coarser disparity, and applies `net.icnv{i}`; stages <= num_scales end in a
    head `net.disp{i}`. Both logits and disparity come out of the one walk because the decoder
    itself needs each coarser `disp_s` (for `net.disp_up`): one sigmoid per scale in the graph.
    """
    x = skips[-1]
    heads = []
    disp_up = None
    for stage in range(num_stages, 0, -1):
        x = upsample(stage, x)
        parts = [x]
        if stage >= 2:
            skip = skips[stage - 2]
            parts = [crop_like(x, skip), skip]
        if disp_up is not None:
            parts.append(disp_up)
        x = getattr(net, f"icnv{stage}")(ops.concatenate(parts, axis=-1))
        if stage <= num_scales:
            logits = ops.cast(getattr(net, f"disp{stage}")(x), "float32")
            disp = disparity_from_logits(logits)
            heads.append((logits, disp))
            if stage > 1:
                disp_up = net.disp_up(disp)
    return heads[::-1]

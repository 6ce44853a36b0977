"""Small building blocks shared by the networks (DispNet, MobileDepthNet, PoseExpNet).

Every convolution of the reference has Glorot-uniform weights and zero biases, and carries no
weight decay: the original declared an L2 regularizer that its training loop never added to the
loss, so none is declared here.

Padding (`PADDINGS`, `ModelConfig.padding`). "symmetric" pads (k - 1) / 2 zeros on every side, as
PyTorch's `padding=(k - 1) // 2` and so the PyTorch port; "same" is TensorFlow's, which the paper's
TF code used. The two agree at stride 1. At stride 2 on an even side TF's 'same' puts one zero
less before than after (a 3x3 conv pads 0 rows above and 1 below), so every output samples one
input pixel later, and a transposed conv's output sits one pixel earlier. Over DispNet's 7 and
PoseExpNet's 7 stride-2 layers the shifts add up: on the same weights our pose outputs had a
cosine of 0.43 with the port's under 'same', and match it to 1e-6 under "symmetric"
(`benchmarks/port_parity.py`; docs/training_health.md, "2026-12-07 (afternoon)").
"""

from typing import Callable, Optional, Sequence

import keras
from keras import ops

from sfmlearner_tf.disparity import disparity_from_logits

# The hidden layers' activations a network may be built with (ModelConfig.activation).
from sfmlearner_tf.config import ACTIVATIONS, PADDINGS  # noqa: F401 (re-exported for the networks)

# The coarsest disparity and mask (scale 3) must be exactly H/8 x W/8 so that each finer scale is
# exactly twice the next coarser one (the losses and the 2x disparity upsampling rely on it).
SIZE_MULTIPLE = 8


class SymmetricConv2D(keras.layers.Conv2D):
    """A Conv2D whose input gets (k - 1) / 2 zeros on every side first (PyTorch's padding), then 'valid'.

    Built with `padding="valid"`; the output size is TF 'same''s, ceil(n / stride), for odd k.
    """

    def _padded_shape(self, input_shape):
        pad_y, pad_x = ((k - 1) // 2 for k in self.kernel_size)
        batch, height, width, channels = input_shape
        return (batch, None if height is None else height + 2 * pad_y, None if width is None else width + 2 * pad_x,
                channels)

    def call(self, x):
        pad_y, pad_x = ((k - 1) // 2 for k in self.kernel_size)
        return super().call(ops.pad(x, [[0, 0], [pad_y, pad_y], [pad_x, pad_x], [0, 0]]))

    def compute_output_shape(self, input_shape):
        return super().compute_output_shape(self._padded_shape(tuple(input_shape)))


class SymmetricConv2DTranspose(keras.layers.Conv2DTranspose):
    """A stride-2 transposed conv as PyTorch's with `padding=(k - 1) // 2, output_padding=1`.

    Built with `padding="valid"`, whose output of an n-long side is 2n - 2 + k long; this keeps
    its window [p, p + 2n) with p = (k - 1) / 2: exactly twice the input, as 'same' gives, but
    aligned as the transpose of `SymmetricConv2D` (TF's 'same' keeps [(k - 2) // 2, ...)).
    """

    def call(self, x):
        height, width = x.shape[1], x.shape[2]
        pad_y, pad_x = ((k - 1) // 2 for k in self.kernel_size)
        return super().call(x)[:, pad_y : pad_y + 2 * height, pad_x : pad_x + 2 * width, :]

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = tuple(input_shape)
        return (batch, None if height is None else 2 * height, None if width is None else 2 * width, self.filters)


def conv(filters: int, kernel_size: int, strides: int = 1, activation: Optional[str] = "relu",
         name: Optional[str] = None, dtype=None, bias: float = 0.0, padding: str = "symmetric") -> keras.layers.Conv2D:
    """A Conv2D padded as `padding` (module docstring) with the reference's initializers (the bias:
    `bias`, 0 in the reference). Odd kernels only.

    `dtype` is the owning network's dtype policy, so that a network built as e.g.
    `DispNet(dtype="mixed_float16")` (or reloaded from such a `.keras` file) is mixed throughout,
    whatever the global policy.
    """
    _check_padding(padding, kernel_size)
    # At stride 1 the two paddings are the same numbers: keep Keras' own layer there.
    symmetric = padding == "symmetric" and strides != 1
    return (SymmetricConv2D if symmetric else keras.layers.Conv2D)(
        filters,
        kernel_size,
        strides=strides,
        padding="valid" if symmetric else "same",
        activation=activation,
        kernel_initializer="glorot_uniform",
        bias_initializer=keras.initializers.Constant(bias) if bias else "zeros",
        name=name,
        dtype=dtype,
    )


def upconv(filters: int, kernel_size: int, name: Optional[str] = None, dtype=None,
           activation: str = "relu", padding: str = "symmetric") -> keras.layers.Conv2DTranspose:
    """A stride-2 transposed conv + activation padded as `padding`: exactly doubles height and width."""
    _check_padding(padding, kernel_size)
    symmetric = padding == "symmetric"
    return (SymmetricConv2DTranspose if symmetric else keras.layers.Conv2DTranspose)(
        filters,
        kernel_size,
        strides=2,
        padding="valid" if symmetric else "same",
        activation=activation,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        name=name,
        dtype=dtype,
    )


def _check_padding(padding: str, kernel_size: int) -> None:
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if kernel_size % 2 != 1:
        raise ValueError(f"expected an odd kernel size, got {kernel_size}")


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

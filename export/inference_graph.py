"""Export-only inference graph of a trained DispNet: raw pixels -> finest disparity logits.

The training graph (`sfmlearner_tf.models.DispNet`) is left untouched (STYLE.md 7); this module
builds the graph that TFLite converts from the network's own encoder-decoder walk
(`DispNet.disparity_logits`, the one `call` takes), with these differences:

1. The output is the finest head's *logit* `x`, with `disp = 10 * sigmoid(x) + 0.01` and
   `depth = 1 / disp` left to the caller. The logit is roughly `log(disp / 10)` for the
   disparities a scene produces, so an int8 output quantizes log-disparity uniformly, a constant
   *relative* depth error; quantizing depth or disparity itself would lose the near or the far
   range to 256 uniform levels.
2. The logit is clipped to [LOGIT_FLOOR, LOGIT_CEILING] (about [-9.9, 2.94], see
   `sfmlearner_tf.disparity`), beyond which the sigmoid is saturated and the disparity within
   5 % of its floor or ceiling. Trained without `logit_range_weight`, a DispNet can send 19 % of
   the pixels to logits of -220, or 1 % to +145; unclipped, those set the int8 output's step.
   The clip changes no disparity by more than 5 %, and only in those saturated tails.
3. Optionally each stride-2 transposed conv is rewritten as "4 phase convs + DEPTH_TO_SPACE"
   with weights taken exactly from the trained 3x3 kernel, for interpreters whose int8
   TRANSPOSE_CONV kernel is slow: XNNPACK does not take LiteRT 2.3's int8 TRANSPOSE_CONV (with
   its separate RELU), which then runs in the reference kernel (see `upconv_as_depth_to_space`).
   Exact in float (tested to 1e-4).

The input is float32 pixels in [0, 255]; the `x / 127.5 - 1` normalisation is in the graph, so an
int8 model's uint8 input carries raw pixel values (scale 1, zero point 0).
"""

import keras
import tensorflow as tf

from sfmlearner_tf.disparity import LOGIT_CEILING, LOGIT_FLOOR
from sfmlearner_tf.image_range import to_network_range
from sfmlearner_tf.models import blocks

UPCONV_MODES = ("transpose", "depth_to_space")

# Row (and, identically, column) taps of a 3-wide, stride-2 transposed conv, per output phase.
# Its 'valid' output of an n-long input is full[o] = sum_{2i + k = o} in[i] w[k] (2n + 1 long);
# TF's 'same' keeps out[o] = full[o], the symmetric padding (blocks.SymmetricConv2DTranspose,
# PyTorch's) out[o] = full[o + 1]. So, per padding, the taps of out[2m + phase]:
#   same:      out[2m] = in[m - 1] w[2] + in[m] w[0]   out[2m + 1] = in[m] w[1]
#   symmetric: out[2m] = in[m] w[1]                   out[2m + 1] = in[m] w[2] + in[m + 1] w[0]
# {padding: {phase: (kernel indices of its taps in input order, (zeros before, zeros after))}}:
# a 2-tap phase is a 'VALID' conv over the input padded by one on the side of its extra tap.
_PHASE_TAPS = {
    "same": {0: ((2, 0), (1, 0)), 1: ((1,), (0, 0))},
    "symmetric": {0: ((1,), (0, 0)), 1: ((2, 0), (0, 1))},
}


def upconv_padding(layer: keras.layers.Conv2DTranspose) -> str:
    """The `blocks.PADDINGS` entry a `blocks.upconv` layer was made with."""
    return "symmetric" if isinstance(layer, blocks.SymmetricConv2DTranspose) else "same"


def phase_kernels(kernel: tf.Tensor, padding: str = "same") -> list[tf.Tensor]:
    """A transposed conv's kernel -> the 4 low-resolution conv kernels of its output phases.

    Args:
      kernel: float32 [3, 3, C_out, C_in], a Keras `Conv2DTranspose` kernel (stride 2).
      padding: how the layer is padded, "same" or "symmetric" (`upconv_padding`).

    Returns:
      4 float32 kernels [len(taps_y), len(taps_x), C_in, C_out] (2x2, 2x1, 1x2, 1x1 in some
      order) for the output phases (py, px) = (0, 0), (0, 1), (1, 0), (1, 1): output pixel
      (2m + py, 2n + px) is phase (py, px)'s 'VALID' conv at (m, n) over the input padded as
      `_PHASE_TAPS` says. Together they hold the 9 taps once each.
    """
    if tuple(kernel.shape[:2]) != (3, 3):
        raise ValueError(f"expected a 3x3 transposed-conv kernel, got shape {tuple(kernel.shape)}")
    taps = _PHASE_TAPS[padding]
    kernels = []
    for phase_y in range(2):
        for phase_x in range(2):
            rows = [
                tf.stack([tf.transpose(kernel[ky, kx]) for kx in taps[phase_x][0]])
                for ky in taps[phase_y][0]
            ]
            kernels.append(tf.stack(rows))
    return kernels


def upconv_as_depth_to_space(layer: keras.layers.Conv2DTranspose, x: tf.Tensor) -> tf.Tensor:
    """`layer(x)` for a 3x3 stride-2 transposed conv + activation, as 4 convs + DEPTH_TO_SPACE.

    The 4 phase convs (`phase_kernels`) compute exactly the 9 taps per input pixel that the
    transposed conv does; concatenated in phase order (py * 2 + px) they are the channel layout
    `tf.nn.depth_to_space` (DCR) interleaves into the 2x larger image.

    Args:
      layer: a built `Conv2DTranspose` (3x3, stride 2, either padding, ReLU or ELU) as made by `blocks.upconv`.
      x: float32 [B, h, w, C_in].

    Returns:
      float32 [B, 2h, 2w, C_out], equal to `layer(x)` up to float rounding.
    """
    padding = upconv_padding(layer)
    taps = _PHASE_TAPS[padding]
    kernel, bias = tf.convert_to_tensor(layer.kernel), tf.convert_to_tensor(layer.bias)
    phases = []
    for index, phase_kernel in enumerate(phase_kernels(kernel, padding)):
        phase_y, phase_x = divmod(index, 2)
        padded = tf.pad(x, [[0, 0], list(taps[phase_y][1]), list(taps[phase_x][1]), [0, 0]])
        # The layer's own activation (ReLU or ELU): elementwise, so before the interleave is the same.
        phases.append(layer.activation(tf.nn.conv2d(padded, phase_kernel, 1, "VALID") + bias))
    return tf.nn.depth_to_space(tf.concat(phases, axis=-1), 2)


def disparity_logits(depth_net: keras.Model, pixels: tf.Tensor, upconv: str = "transpose") -> tf.Tensor:
    """The finest disparity logit of `depth_net` for raw pixels (`DepthNet.disparity_logits`).

    Args:
      depth_net: a built `sfmlearner_tf.models.DispNet` or `MobileDepthNet` (which has no transposed
        convs: `upconv` changes nothing there).
      pixels: float32 [B, H, W, 3], RGB in [0, 255].
      upconv: "transpose" (the layers as trained) or "depth_to_space" (exact rewrite).

    Returns:
      float32 [B, H, W, 1] logits x in [LOGIT_FLOOR, LOGIT_CEILING]; `10 * sigmoid(x) + 0.01` is
      the `disp_0` that `depth_net` returns (within 5 % where the network's logit is outside).
    """
    if upconv not in UPCONV_MODES:
        raise ValueError(f"upconv must be one of {UPCONV_MODES}, got {upconv!r}")
    blocks.check_image_shape(pixels.shape, 3, "pixels")
    rewrite = upconv_as_depth_to_space if upconv == "depth_to_space" else None
    logits = depth_net.disparity_logits(to_network_range(pixels), upconv=rewrite)[0]
    return tf.clip_by_value(logits, LOGIT_FLOOR, LOGIT_CEILING)

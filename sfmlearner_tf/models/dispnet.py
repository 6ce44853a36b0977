"""DispNet: the single-image disparity (inverse depth) network of SfMLearner.

Layer by layer as the reference `disp_net` (tinghuiz/SfMLearner `nets.py`):

- encoder: 7 stages `cnv{i}` (stride 2) + `cnv{i}b` (stride 1), channels 32, 64, 128, 256, 512,
  512, 512, kernels 7, 5, 3, 3, 3, 3, 3 (both convs of a stage share the kernel size);
- decoder: stages 7..1, each `upcnv{i}` (3x3 transposed conv, stride 2) cropped to its skip
  connection `cnv{i-1}b`, concatenated with it (and with the upsampled coarser disparity for
  stages 3..1), then `icnv{i}` (3x3 conv); channels 512, 512, 256, 128, 64, 32, 16;
- disparity heads `disp{i}` (3x3 conv to 1 channel) after `icnv4`..`icnv1`:
  `disp = 10 * sigmoid(x) + 0.01` (`sfmlearner_tf.disparity`), so depth = 1 / disp lies in
  [~0.1, 100).

The reference uses ReLU everywhere else; here the hidden activation is `activation` (default
leaky ReLU, which cannot die: README, "Training health"; "relu" is the paper's, "elu" the other
choice). No normalization, no weight decay. The heads' biases start at 0 (the reference: every map
starts near depth 0.2), or at the logit of `initial_depth`: a network that must learn metric depth
(velocity supervision) then starts near the scene's depth rather than 50-100x too near.
"""

from typing import Any, Callable, Optional

import keras

from sfmlearner_tf.disparity import logit_of_depth
from sfmlearner_tf.models import blocks
from sfmlearner_tf.models.depth_net import DepthNet

ENCODER_CHANNELS = (32, 64, 128, 256, 512, 512, 512)
ENCODER_KERNELS = (7, 5, 3, 3, 3, 3, 3)
# Decoder channels of stages 1..7 (stage i works at 1 / 2^(i-1) of the input size).
DECODER_CHANNELS = (16, 32, 64, 128, 256, 512, 512)
NUM_SCALES = 4

# `(layer, x) -> layer(x)` or an exact replacement of it (see `DepthNet.disparity_logits`).
UpconvFn = Callable[[keras.layers.Conv2DTranspose, Any], Any]


@keras.saving.register_keras_serializable(package="sfmlearner_tf")
class DispNet(DepthNet):
    """The paper's depth network: `DepthNet`'s calls (128x416 is the reference input size)."""

    def __init__(self, activation: str = "leaky_relu", initial_depth: float = 0.0, padding: str = "symmetric",
                 name: str = "depth_net", **kwargs):
        super().__init__(name=name, **kwargs)
        if activation not in blocks.ACTIVATIONS:
            raise ValueError(f"activation must be one of {blocks.ACTIVATIONS}, got {activation!r}")
        if padding not in blocks.PADDINGS:
            raise ValueError(f"padding must be one of {blocks.PADDINGS}, got {padding!r}")
        self.activation = activation
        self.padding = padding
        self.initial_depth = float(initial_depth)
        head_bias = logit_of_depth(self.initial_depth)
        policy = self.dtype_policy
        # Every layer is its own attribute, named as in the reference: Keras' tracked lists are
        # invisible to `tf.train.Checkpoint`, attributes are not.
        layers = []
        for level, (filters, kernel) in enumerate(zip(ENCODER_CHANNELS, ENCODER_KERNELS), start=1):
            layers.append(blocks.conv(filters, kernel, strides=2, activation=activation, name=f"cnv{level}",
                                      dtype=policy, padding=padding))
            layers.append(blocks.conv(filters, kernel, activation=activation, name=f"cnv{level}b", dtype=policy))
        for stage, filters in enumerate(DECODER_CHANNELS, start=1):
            layers.append(blocks.upconv(filters, 3, name=f"upcnv{stage}", dtype=policy, activation=activation,
                                        padding=padding))
            layers.append(blocks.conv(filters, 3, activation=activation, name=f"icnv{stage}", dtype=policy))
        # Linear convs: the sigmoid is applied in float32 in `_decode` (mixed-precision safe).
        for head in range(1, NUM_SCALES + 1):
            layers.append(blocks.conv(1, 3, activation=None, name=f"disp{head}", dtype=policy, bias=head_bias))
        # disp_{s+1} -> size of scale s; exact because H, W are multiples of 8.
        layers.append(
            keras.layers.UpSampling2D(size=2, interpolation="bilinear", name="disp_up", dtype=policy)
        )
        for layer in layers:
            setattr(self, layer.name, layer)

    def encoder_stage_names(self) -> list:
        """The layers whose outputs `encode` returns, in its order (training health names them)."""
        return [f"cnv{level}b" for level in range(1, len(ENCODER_CHANNELS) + 1)]

    def encode(self, image) -> list:
        """The encoder stages' outputs `[cnv1b, ..., cnv7b]`, finest first (after their ReLU).

        The skip connections of the decoder, and what training health watches (a stage whose
        outputs are all exactly 0 passes nothing of the image on).

        Args:
          image: float32 [B, H, W, 3], RGB in [-1, 1], H and W multiples of 8.

        Returns:
          7 tensors, stage i of shape [B, ceil(H / 2^i), ceil(W / 2^i), ENCODER_CHANNELS[i - 1]].
        """
        blocks.check_image_shape(image.shape, 3, "image")
        skips = []
        x = image
        for level in range(1, len(ENCODER_CHANNELS) + 1):
            x = getattr(self, f"cnv{level}b")(getattr(self, f"cnv{level}")(x))
            skips.append(x)
        return skips

    def _decode(self, image, upconv: Optional[UpconvFn] = None) -> list:
        """The one encoder-decoder walk: `[(logits_s, disp_s)]` for s = 0..3, finest first.

        Both come out of the walk because the decoder itself needs each coarser `disp_s` (for
        `disp_up`), and computing it once keeps the training graph to one sigmoid per scale.
        `upconv` replaces each `upcnv{i}(x)` (`DepthNet.disparity_logits`).
        """
        def upsample(stage, x):
            layer = getattr(self, f"upcnv{stage}")
            return layer(x) if upconv is None else upconv(layer, x)

        return blocks.decode_disparities(self, self.encode(image), len(DECODER_CHANNELS), NUM_SCALES, upsample)

    def _constructor_config(self) -> dict:
        return {"activation": self.activation, "initial_depth": self.initial_depth, "padding": self.padding}

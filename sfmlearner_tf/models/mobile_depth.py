"""MobileDepthNet: a compact drop-in for DispNet (`ModelConfig.depth_net = "mobile"`).

The same interface as `DispNet` (image -> 4 disparity scales, finest first; `disparity_logits`;
`encode`), with 1.9 M parameters and 0.11x DispNet's convolution FLOPs at 128x416:

- encoder: a 3x3 stride-2 stem (32 channels), then MobileNetV2's inverted-residual blocks
  (Sandler et al., CVPR 2018, Table 2) up to its 320-channel layer: 1x1 expansion + ReLU6,
  3x3 depthwise + ReLU6, 1x1 *linear* projection, plus the block's input where the shapes
  match. Grouped into 5 stages at 1/2 .. 1/32 of the input; no classifier head, no downloaded
  weights;
- decoder: stages 5..1 (stage i at 1/2^(i-1)), each `upcnv{i}` (3x3 separable conv + ReLU6 at
  the coarser size, then a nearest 2x resize cropped to the skip) concatenated with the
  encoder stage of its size (and the upsampled coarser disparity for stages 3..1), then
  `icnv{i}` (3x3 separable conv + ReLU6); no transposed convs;
- disparity heads `disp{i}` (3x3 conv to 1 channel) after `icnv4`..`icnv1`,
  `disp = 10 * sigmoid(x) + 0.01` as DispNet's (`sfmlearner_tf.disparity`).

ReLU6 throughout (every op has an int8 TFLite kernel; `ModelConfig.activation` is the pose
network's and DispNet's, not this network's). No normalization: the train step calls the depth
network without `training=True`, and batches of 4 would give poor batch statistics anyway.
"""

import keras
from keras import ops

from sfmlearner_tf.models import blocks
from sfmlearner_tf.models.depth_net import DepthNet

STEM_CHANNELS = 32
# Per encoder stage (stage s at 1/2^s of the input): MobileNetV2's block groups
# (expansion t, output channels c, repeats n, stride of the first block s).
ENCODER_STAGES = (
    ((1, 16, 1, 1),),
    ((6, 24, 2, 2),),
    ((6, 32, 3, 2),),
    ((6, 64, 4, 2), (6, 96, 3, 1)),
    ((6, 160, 3, 2), (6, 320, 1, 1)),
)
ENCODER_CHANNELS = tuple(stage[-1][1] for stage in ENCODER_STAGES)
# Decoder channels of stages 1..5 (stage i works at 1 / 2^(i-1) of the input size).
DECODER_CHANNELS = (16, 32, 48, 64, 96)
NUM_SCALES = 4

# He-uniform for the layers followed by ReLU6; LeCun-uniform (variance-preserving) for the linear
# projections. Without normalization the initial scale of each layer is all that keeps 17 blocks
# from shrinking or blowing up the signal.
_RELU_INIT = keras.initializers.VarianceScaling(2.0, "fan_in", "uniform")
_LINEAR_INIT = keras.initializers.VarianceScaling(1.0, "fan_in", "uniform")
# A depthwise kernel is [k, k, C, 1] but each filter sees k * k inputs; Keras computes that
# shape's fan_in as k * k * C (C times too small weights) and its fan_out as k * k, the true fan-in.
_DEPTHWISE_INIT = keras.initializers.VarianceScaling(2.0, "fan_out", "uniform")
# The heads start small: the He-initialised ReLU6 features are about 10x larger than DispNet's
# (whose Glorot layers shrink the signal), and Glorot heads on them start the logits at +-3
# (disparities from 0.5 to 9.7 on a random image); this starts them near 0 +- 0.2, as DispNet's.
_HEAD_INIT = keras.initializers.VarianceScaling(0.02, "fan_in", "uniform")


def _block_specs():
    """(stage, block index, expansion, channels, stride) of every inverted-residual block, in order."""
    index = 0
    for stage, groups in enumerate(ENCODER_STAGES, start=1):
        for expansion, channels, repeats, stride in groups:
            for repeat in range(repeats):
                index += 1
                yield stage, index, expansion, channels, stride if repeat == 0 else 1


def _separable(filters: int, name: str, dtype) -> keras.layers.SeparableConv2D:
    return keras.layers.SeparableConv2D(
        filters, 3, padding="same", activation="relu6", depthwise_initializer=_DEPTHWISE_INIT,
        pointwise_initializer=_RELU_INIT, bias_initializer="zeros", name=name, dtype=dtype,
    )


@keras.saving.register_keras_serializable(package="sfmlearner_tf")
class MobileDepthNet(DepthNet):
    """`DepthNet`'s calls with a MobileNetV2 encoder and separable convs (module docstring)."""

    def __init__(self, name: str = "depth_net", **kwargs):
        super().__init__(name=name, **kwargs)
        policy = self.dtype_policy
        # Every layer is its own attribute (Keras' tracked lists are invisible to tf.train.Checkpoint).
        layers = [keras.layers.Conv2D(STEM_CHANNELS, 3, strides=2, padding="same", activation="relu6",
                                      kernel_initializer=_RELU_INIT, name="stem", dtype=policy)]
        in_channels = STEM_CHANNELS
        for _, index, expansion, channels, stride in _block_specs():
            if expansion != 1:
                layers.append(keras.layers.Conv2D(in_channels * expansion, 1, activation="relu6",
                                                  kernel_initializer=_RELU_INIT, name=f"block{index}_expand",
                                                  dtype=policy))
            layers.append(keras.layers.DepthwiseConv2D(3, strides=stride, padding="same", activation="relu6",
                                                       depthwise_initializer=_DEPTHWISE_INIT,
                                                       name=f"block{index}_depthwise", dtype=policy))
            layers.append(keras.layers.Conv2D(channels, 1, activation=None, kernel_initializer=_LINEAR_INIT,
                                              name=f"block{index}_project", dtype=policy))
            in_channels = channels
        for stage, filters in enumerate(DECODER_CHANNELS, start=1):
            layers.append(_separable(filters, f"upcnv{stage}", policy))
            layers.append(_separable(filters, f"icnv{stage}", policy))
        # Linear heads: the sigmoid is applied in float32 in `_decode` (mixed-precision safe).
        for head in range(1, NUM_SCALES + 1):
            layers.append(keras.layers.Conv2D(1, 3, padding="same", kernel_initializer=_HEAD_INIT,
                                              name=f"disp{head}", dtype=policy))
        layers.append(keras.layers.UpSampling2D(size=2, interpolation="nearest", name="feature_up", dtype=policy))
        # disp_{s+1} -> size of scale s, as DispNet's; exact because H, W are multiples of 8.
        layers.append(keras.layers.UpSampling2D(size=2, interpolation="bilinear", name="disp_up", dtype=policy))
        for layer in layers:
            setattr(self, layer.name, layer)

    def encoder_stage_names(self) -> list:
        """Per `encode` output, the layer it comes from: the projection of the stage's last block
        (its ReLU6, after the block's residual where it has one). Training health names them."""
        last_block = {stage: index for stage, index, *_ in _block_specs()}
        return [f"block{last_block[stage]}_project" for stage in sorted(last_block)]

    def encode(self, image) -> list:
        """The encoder stages `[stage1, ..., stage5]`, finest first: ReLU6 of each stage's output.

        The decoder's skip connections and what training health watches. A stage ends in a
        linear projection, which is never exactly 0; its ReLU6 is, where the projection is
        negative (about half the outputs at initialisation), and everywhere once every
        expansion of the stage's first block has died and its projection's bias is negative
        (the projection is then that bias alone, for every pixel and image). The next stage
        reads the linear output, as in MobileNetV2.

        Args:
          image: float32 [B, H, W, 3], RGB in [-1, 1], H and W multiples of 8.

        Returns:
          5 tensors, stage s of shape [B, ceil(H / 2^s), ceil(W / 2^s), ENCODER_CHANNELS[s - 1]].
        """
        blocks.check_image_shape(image.shape, 3, "image")
        x = self.stem(image)
        stages = []
        specs = list(_block_specs())
        for position, (stage, index, expansion, channels, stride) in enumerate(specs):
            y = getattr(self, f"block{index}_expand")(x) if expansion != 1 else x
            y = getattr(self, f"block{index}_project")(getattr(self, f"block{index}_depthwise")(y))
            x = x + y if stride == 1 and x.shape[-1] == channels else y
            if position + 1 == len(specs) or specs[position + 1][0] != stage:
                stages.append(ops.relu6(x))
        return stages

    def _decode(self, image, upconv=None) -> list:
        """The one encoder-decoder walk: `[(logits_s, disp_s)]` for s = 0..3, finest first.

        `upconv` is ignored: it rewrites transposed convs for the int8 TFLite graph
        (export/inference_graph.py), and this network has none.
        """
        del upconv

        def upsample(stage, x):
            return self.feature_up(getattr(self, f"upcnv{stage}")(x))

        return blocks.decode_disparities(self, self.encode(image), len(DECODER_CHANNELS), NUM_SCALES, upsample)

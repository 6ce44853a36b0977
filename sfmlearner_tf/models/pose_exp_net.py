"""PoseExpNet: relative camera poses and explainability masks of a snippet.

Layer by layer as the reference `pose_exp_net` (tinghuiz/SfMLearner `nets.py`):

- input: target and sources stacked on channels, [B, H, W, 3 + 3N];
- shared encoder `cnv1`..`cnv5`: stride-2 convs, channels 16, 32, 64, 128, 256, kernels 7, 5, 3, 3, 3;
- pose head: `cnv6`, `cnv7` (3x3, stride 2, 256) and `pred` (1x1 conv to 6N, linear), averaged
  over space, reshaped to [B, N, 6] and scaled by 0.01 (the original found the small scale helps
  training start); the translations by `translation_scale` instead where given (1 for metric
  training: velocity supervision asks for translations of about a metre, 100x the outputs' reach
  at 0.01 within a CPU budget);
- explainability decoder: `upcnv5`..`upcnv1` (transposed convs, stride 2, channels 256, 128, 64,
  32, 16, kernels 3, 3, 3, 5, 7), each cropped to the size of the encoder level it mirrors, with
  mask heads `mask4`..`mask1` (linear convs of the previous transposed conv's kernel size) after
  `upcnv4`..`upcnv1`.

With `learn_intrinsics` (Gordon et al., ICCV 2019, "Depth from Videos in the Wild": an intrinsics
head on the motion network's bottleneck) a 1x1 conv `intrinsics` on `cnv7`, averaged over space,
gives each snippet's camera matrix at the input size:

    fx, fy = INITIAL_FOCAL x W x softplus(a_x, a_y) / ln 2      cx, cy = (W - 1) / 2 + b_x W, (H - 1) / 2 + b_y H

Softplus keeps the focal lengths positive; the offsets are linear, so that the principal point
starts at the image centre (a softplus there would start it outside the image). At a = b = 0,
f = INITIAL_FOCAL x W, the field-of-view guess of the frames reader, with square pixels (the
reference's f = softplus x (W, H) starts at fx / fy = W / H).

The reference uses ReLU everywhere else; here the hidden activation is `activation` (default
leaky ReLU, which cannot die: README, "Training health"; "relu" is the paper's, "elu" the other
choice). No normalization, no weight decay.
"""

import math

import keras
from keras import ops

from sfmlearner_tf.models import blocks

ENCODER_CHANNELS = (16, 32, 64, 128, 256)
ENCODER_KERNELS = (7, 5, 3, 3, 3)
POSE_CHANNELS = 256
POSE_SCALING = 0.01
# The learned focal length at initialisation, as a fraction of the width: about 64 degrees of
# horizontal field of view, the guess for a camera without calibration (data_prep frames reader).
INITIAL_FOCAL = 0.8
# upcnv5..upcnv1: (channels, kernel); mask4..mask1 (after upcnv4..upcnv1) reuse the kernel size.
DECODER = ((256, 3), (128, 3), (64, 3), (32, 5), (16, 7))
NUM_SCALES = 4
LN2 = math.log(2.0)


@keras.saving.register_keras_serializable(package="sfmlearner_tf")
class PoseExpNet(keras.Model):
    """(target, sources) -> {"pose": [B, N, 6], "masks": 4 x [B, H / 2^s, W / 2^s, N]}.

    Call: `PoseExpNet(num_source=N)(target, sources)` with `target` float32 [B, H, W, 3] and
    `sources` float32 [B, H, W, 3N] (the N source frames in time order, stacked on channels), RGB
    in [-1, 1], H and W multiples of 8. Returns a dict:
      - "pose": float32 [B, N, 6], for each source `[tx, ty, tz, rx, ry, rz]`, the transform from
        the target camera to that source camera (`X_s = R X_t + t`, radians);
      - "masks" (only when `explainability`): list finest first, scale s float32
        [B, H / 2^s, W / 2^s, N], the probability in (0, 1) that a target pixel is explainable
        by source n (channel n);
      - "intrinsics" (only when `learn_intrinsics`): float32 [B, 3, 3], the snippet's camera
        matrix at the input size, pixel centres at integers.
    With `mask_channels=2` (the paper) each source gets a two-class softmax and the mask is the
    'explainable' class; with 1 a sigmoid. Without explainability the decoder is not created.
    Shapes that break these rules raise a ValueError that quotes them. Under a mixed-precision
    policy the body runs in float16 or bfloat16 and pose and masks come out in float32.
    """

    def __init__(self, num_source: int = 2, explainability: bool = True, mask_channels: int = 2,
                 activation: str = "leaky_relu", learn_intrinsics: bool = False,
                 translation_scale: float = POSE_SCALING, padding: str = "symmetric", name: str = "pose_exp_net",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(num_source, int) or num_source < 1:
            raise ValueError(f"num_source must be a positive integer, got {num_source!r}")
        if mask_channels not in (1, 2):
            raise ValueError(f"mask_channels must be 1 or 2, got {mask_channels!r}")
        if activation not in blocks.ACTIVATIONS:
            raise ValueError(f"activation must be one of {blocks.ACTIVATIONS}, got {activation!r}")
        self.num_source = num_source
        self.explainability = bool(explainability)
        self.mask_channels = mask_channels
        if padding not in blocks.PADDINGS:
            raise ValueError(f"padding must be one of {blocks.PADDINGS}, got {padding!r}")
        self.activation = activation
        self.padding = padding
        self.learn_intrinsics = bool(learn_intrinsics)
        self.translation_scale = float(translation_scale)

        policy = self.dtype_policy
        # Every layer is its own attribute, named as in the reference: Keras' tracked lists are
        # invisible to `tf.train.Checkpoint`, attributes are not.
        layers = [
            blocks.conv(filters, kernel, strides=2, activation=activation, name=f"cnv{level}", dtype=policy,
                        padding=padding)
            for level, (filters, kernel) in enumerate(zip(ENCODER_CHANNELS, ENCODER_KERNELS), start=1)
        ]
        for level in (6, 7):
            layers.append(blocks.conv(POSE_CHANNELS, 3, strides=2, activation=activation, name=f"cnv{level}",
                                      dtype=policy, padding=padding))
        layers.append(blocks.conv(6 * num_source, 1, activation=None, name="pred", dtype=policy))
        if self.learn_intrinsics:
            # Zero-initialised, so that every snippet starts at the initial K (class docstring).
            layers.append(keras.layers.Conv2D(4, 1, kernel_initializer="zeros", name="intrinsics", dtype=policy))
        if self.explainability:
            for level, (filters, kernel) in zip(range(len(DECODER), 0, -1), DECODER):
                layers.append(blocks.upconv(filters, kernel, name=f"upcnv{level}", dtype=policy, activation=activation,
                                            padding=padding))
                if level <= NUM_SCALES:
                    # Linear conv: the softmax / sigmoid is applied in float32 in `call`.
                    layers.append(
                        blocks.conv(num_source * mask_channels, kernel, activation=None, name=f"mask{level}",
                                    dtype=policy)
                    )
        for layer in layers:
            setattr(self, layer.name, layer)

    def build(self, target_shape, sources_shape):
        self._check_shapes(target_shape, sources_shape)
        # Tracing `call` on symbolic tensors builds every sub-layer (and is what `.keras` loading
        # replays from the recorded input shapes).
        self.call(
            keras.KerasTensor(tuple(blocks.as_shape_list(target_shape)), dtype=self.compute_dtype),
            keras.KerasTensor(tuple(blocks.as_shape_list(sources_shape)), dtype=self.compute_dtype),
        )

    def _check_shapes(self, target_shape, sources_shape) -> None:
        blocks.check_image_shape(target_shape, 3, "target")
        blocks.check_image_shape(sources_shape, 3 * self.num_source, f"sources ({self.num_source} frames)")
        target_hw = blocks.as_shape_list(target_shape)[1:3]
        sources_hw = blocks.as_shape_list(sources_shape)[1:3]
        if target_hw != sources_hw:
            raise ValueError(
                f"target and sources must have the same height and width, got target "
                f"{blocks.as_shape_list(target_shape)} and sources {blocks.as_shape_list(sources_shape)}"
            )

    def encode(self, target, sources) -> list:
        """The shared encoder's outputs `[cnv1, ..., cnv5]`, finest first (after their ReLU).

        Args:
          target: float32 [B, H, W, 3]; sources: float32 [B, H, W, 3N]; RGB in [-1, 1].

        Returns:
          5 tensors, level i of shape [B, ceil(H / 2^i), ceil(W / 2^i), ENCODER_CHANNELS[i - 1]].
        """
        return self._encode(target, sources)[1:]

    def _encode(self, target, sources) -> list:
        """`[stacked input, cnv1, ..., cnv5]`: entry i is encoder level i (0 the input)."""
        self._check_shapes(target.shape, sources.shape)
        features = [ops.concatenate([target, sources], axis=-1)]
        for level in range(1, len(ENCODER_CHANNELS) + 1):
            features.append(getattr(self, f"cnv{level}")(features[-1]))
        return features

    def call(self, target, sources):
        features = self._encode(target, sources)

        bottleneck = self.cnv7(self.cnv6(features[-1]))
        pose = ops.mean(ops.cast(self.pred(bottleneck), "float32"), axis=(1, 2))
        scale = ops.convert_to_tensor([self.translation_scale] * 3 + [POSE_SCALING] * 3)
        outputs = {"pose": scale * ops.reshape(pose, (-1, self.num_source, 6))}
        if self.learn_intrinsics:
            raw = ops.mean(ops.cast(self.intrinsics(bottleneck), "float32"), axis=(1, 2))
            outputs["intrinsics"] = self._camera_matrix(raw, target.shape[1], target.shape[2])
        if not self.explainability:
            return outputs

        masks = []
        x = features[-1]
        for level in range(len(DECODER), 0, -1):
            # upcnv{i} mirrors encoder level i - 1 (features[i - 1]; level 0 is the input).
            x = blocks.crop_like(getattr(self, f"upcnv{level}")(x), features[level - 1])
            if level <= NUM_SCALES:
                masks.append(self._mask_probability(getattr(self, f"mask{level}")(x)))
        outputs["masks"] = masks[::-1]
        return outputs

    @staticmethod
    def _camera_matrix(raw, height: int, width: int):
        """[B, 4] head outputs (a_x, a_y, b_x, b_y) -> float32 [B, 3, 3] K (class docstring)."""
        focal = (INITIAL_FOCAL * width / LN2) * ops.softplus(raw[:, :2])
        centre = ops.convert_to_tensor([(width - 1) / 2, (height - 1) / 2]) + raw[:, 2:] * ops.convert_to_tensor(
            [float(width), float(height)])
        zero, one = ops.zeros_like(focal[:, 0]), ops.ones_like(focal[:, 0])
        rows = [focal[:, 0], zero, centre[:, 0], zero, focal[:, 1], centre[:, 1], zero, zero, one]
        return ops.reshape(ops.stack(rows, axis=-1), (-1, 3, 3))

    def _mask_probability(self, logits):
        """Mask head logits [B, h, w, N * mask_channels] -> float32 [B, h, w, N] in (0, 1)."""
        logits = ops.cast(logits, "float32")
        if self.mask_channels == 1:
            return ops.sigmoid(logits)
        # Source n owns channels (2n, 2n + 1), class 1 = explainable (as the original's loss
        # reads them). Its two-class softmax is softmax([a, b])[1] = e^b / (e^a + e^b)
        # = 1 / (1 + e^(a - b)) = sigmoid(b - a). The pairs are split by a reshape and an
        # unstack rather than strided slices, whose gradients cost the training step a
        # full-resolution scatter each.
        height, width = logits.shape[1], logits.shape[2]
        pairs = ops.reshape(logits, (-1, height, width, self.num_source, 2))
        unexplained, explained = ops.unstack(pairs, num=2, axis=-1)
        return ops.sigmoid(explained - unexplained)

    def get_config(self):
        return {
            "name": self.name,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "trainable": self.trainable,
            "num_source": self.num_source,
            "explainability": self.explainability,
            "mask_channels": self.mask_channels,
            "activation": self.activation,
            "learn_intrinsics": self.learn_intrinsics,
            "translation_scale": self.translation_scale,
            "padding": self.padding,
        }

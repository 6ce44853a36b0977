"""DepthNet: what every depth network is to the rest of the project (training, health, export, run_dir).

A depth network maps an image to 4 disparity maps, finest first, through one encoder-decoder
walk (`blocks.decode_disparities`). The walk and the encoder differ per network (`DispNet`,
`MobileDepthNet`); everything else, the calls, the build, the serialised config, is this class's,
so that the programs that use a depth network never ask which one it is.
"""

import keras

from sfmlearner_tf.models import blocks


class DepthNet(keras.Model):
    """Image -> 4 disparity maps, finest first.

    Call: `net(image)` with `image` float32 [B, H, W, 3], RGB in [-1, 1], H and W multiples of 8.
    Returns `[disp_0, disp_1, disp_2, disp_3]`, `disp_s` float32 [B, H / 2^s, W / 2^s, 1] in
    (0.01, 10.01], the disparity of the image's camera at scale s (depth = 1 / disp, up to the
    unknown global scale of monocular training). Any other input shape raises a ValueError that
    quotes it. Under a mixed-precision policy the body runs in 16 bits and the heads in float32.

    A subclass defines `encode(image)` (the encoder stages, finest first: the decoder's skips and
    what training health watches), `encoder_stage_names()` (the layer each stage comes from),
    `_decode(image, upconv)` (the walk: `[(logits_s, disp_s)]`) and, when it has constructor
    arguments, `_constructor_config()` (those arguments, for `get_config`).
    """

    def build(self, input_shape):
        blocks.check_image_shape(input_shape, 3, "image")
        # Tracing `call` on a symbolic tensor builds every sub-layer (and is what `.keras` loading
        # replays from the recorded input shape).
        self.call(keras.KerasTensor(tuple(blocks.as_shape_list(input_shape)), dtype=self.compute_dtype))

    def call(self, image):
        return [disp for _, disp in self._decode(image)]

    def disparity_logits(self, image, upconv=None) -> list:
        """The 4 heads' logits `x` (before `disp = 10 * sigmoid(x) + 0.01`), finest first.

        The walk `call` takes, layer by layer; export/inference_graph.py builds the TFLite graph
        from it. Call it on a built network (it does not build one).

        Args:
          image: float32 [B, H, W, 3], RGB in [-1, 1], H and W multiples of 8.
          upconv: optional `(layer, x) -> tensor`, computed in place of `layer(x)` for each
            decoder transposed conv (an exact rewrite of it into other ops, for the int8 TFLite
            graph); None calls the layer. A network without transposed convs ignores it.

        Returns:
          `[x_0, x_1, x_2, x_3]`, `x_s` float32 [B, H / 2^s, W / 2^s, 1];
          `disparity_from_logits(x_s)` is `call`'s `disp_s`.
        """
        return [logits for logits, _ in self._decode(image, upconv)]

    def _constructor_config(self) -> dict:
        return {}

    def get_config(self):
        return {
            "name": self.name,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "trainable": self.trainable,
            **self._constructor_config(),
        }

"""`ProjectiveWarp`: `inverse_warp` as a weightless, serializable Keras layer.

It lives with the models rather than in `geometry/`, which stays free of Keras (pure functions).
"""

import keras
import tensorflow as tf

from sfmlearner_tf.geometry.warp import inverse_warp


@keras.saving.register_keras_serializable(package="sfmlearner_tf")
class ProjectiveWarp(keras.layers.Layer):
    """Warps a source image into the target view; see `inverse_warp` for the geometry.

    Call: `ProjectiveWarp()(image, depth, pose, intrinsics) -> (warped, valid)` with
    image float [B, Hs, Ws, C] (source), depth float [B, H, W] or [B, H, W, 1] (target z-depth),
    pose float [B, 6] (target->source `[tx, ty, tz, rx, ry, rz]`), intrinsics float [B, 3, 3];
    warped float [B, H, W, C] and valid float [B, H, W, 1].

    The layer computes in float32 by default even under a mixed-precision policy: pixel
    coordinates of a 416-wide image need more mantissa than float16 or bfloat16 has.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, image, depth, pose, intrinsics):
        dtype = self.compute_dtype
        return inverse_warp(
            tf.cast(image, dtype),
            tf.cast(depth, dtype),
            tf.cast(pose, dtype),
            tf.cast(intrinsics, dtype),
        )

    def compute_output_shape(self, image_shape, depth_shape, pose_shape, intrinsics_shape):
        spatial = tuple(depth_shape[:3])
        return spatial + (image_shape[-1],), spatial + (1,)

"""Pure, batched camera geometry: poses, projection, bilinear sampling and `inverse_warp`.

No Keras here: the `ProjectiveWarp` layer is `sfmlearner_tf.models.ProjectiveWarp`.

Conventions (DESIGN.md): NHWC; pose vectors `[tx, ty, tz, rx, ry, rz]` map target to source,
`X_s = R X_t + t`, `R = Rx Ry Rz`; pixel centres at integer (u, v); camera x right, y down,
z forward; depth is z-depth.
"""

from sfmlearner_tf.geometry.camera import (
    MIN_DEPTH,
    backproject,
    intrinsics_pyramid,
    inverse_intrinsics,
    pixel_grid,
    project,
    resize_intrinsics,
)
from sfmlearner_tf.geometry.pose import (
    compose_poses,
    euler_to_matrix,
    invert_pose,
    mat2pose_vec,
    matrix_to_euler,
    pose_vec2mat,
)
from sfmlearner_tf.geometry.sampling import bilinear_sample, bilinear_sample_uv
from sfmlearner_tf.geometry.warp import inverse_warp

__all__ = [
    "MIN_DEPTH",
    "backproject",
    "bilinear_sample",
    "bilinear_sample_uv",
    "compose_poses",
    "euler_to_matrix",
    "intrinsics_pyramid",
    "inverse_intrinsics",
    "inverse_warp",
    "invert_pose",
    "mat2pose_vec",
    "matrix_to_euler",
    "pixel_grid",
    "pose_vec2mat",
    "project",
    "resize_intrinsics",
]

"""A numpy re-implementation of the original SfMLearner sampler, for tests that need a warp
computed independently of `sfmlearner_tf.geometry`.

`reference_warp` re-implements, in numpy float32, `projective_inverse_warp` + `bilinear_sampler`
of tinghuiz/SfMLearner `utils.py`: pixel grid from `linspace(-1, 1, W)`, `K^-1` by matrix
inverse, division by `Z + 1e-10`, corner indices clamped into the image and weights computed
from the clamped indices. Its clamped weights sum to zero wherever u is outside [0, W-1) or v
outside [0, H-1), so it reads 0 there: as `inverse_warp` does outside the image, but unlike it on
the last row and column and within `BORDER_TOLERANCE` of the border, where `inverse_warp` is valid
and interpolates. Elsewhere the two agree to float rounding (tests/geometry/test_reference_warp.py).
"""

import numpy as np


def reference_pose_vec2mat(vec):
    """pose [6], `[tx, ty, tz, rx, ry, rz]` -> float32 [4, 4], the reference's `pose_vec2mat`."""
    tx, ty, tz, rx, ry, rz = vec
    cz, sz, cy, sy, cx, sx = np.cos(rz), np.sin(rz), np.cos(ry), np.sin(ry), np.cos(rx), np.sin(rx)
    zmat = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    ymat = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    xmat = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    transform = np.eye(4, dtype=np.float32)
    transform[:3, :3] = xmat @ ymat @ zmat
    transform[:3, 3] = [tx, ty, tz]
    return transform


def reference_warp(image, depth, pose, intrinsics):
    """image [H, W, C] (source), depth [H, W] (target), pose [6] (target->source), intrinsics [3, 3]
    -> warped [H, W, C], and the source positions u, v [H, W] each target pixel was sampled at."""
    height, width, _ = image.shape
    x_t = ((np.linspace(-1.0, 1.0, width, dtype=np.float32) + 1.0) * 0.5 * (width - 1))
    y_t = ((np.linspace(-1.0, 1.0, height, dtype=np.float32) + 1.0) * 0.5 * (height - 1))
    xx, yy = np.meshgrid(x_t, y_t)
    grid = np.stack([xx.ravel(), yy.ravel(), np.ones(xx.size, np.float32)])
    cam = (np.linalg.inv(intrinsics).astype(np.float32) @ grid) * depth.reshape(1, -1)
    cam = np.concatenate([cam, np.ones((1, cam.shape[1]), np.float32)])
    intrinsics4 = np.eye(4, dtype=np.float32)
    intrinsics4[:3, :3] = intrinsics
    projected = (intrinsics4 @ reference_pose_vec2mat(pose)) @ cam
    u = (projected[0] / (projected[2] + 1e-10)).reshape(height, width)
    v = (projected[1] / (projected[2] + 1e-10)).reshape(height, width)

    x0, y0 = np.floor(u), np.floor(v)
    x0_safe, x1_safe = np.clip(x0, 0, width - 1), np.clip(x0 + 1, 0, width - 1)
    y0_safe, y1_safe = np.clip(y0, 0, height - 1), np.clip(y0 + 1, 0, height - 1)
    wt_x0, wt_x1 = x1_safe - u, u - x0_safe
    wt_y0, wt_y1 = y1_safe - v, v - y0_safe

    def at(xs, ys):
        return image[ys.astype(np.int64), xs.astype(np.int64)]

    warped = (
        (wt_x0 * wt_y0)[..., None] * at(x0_safe, y0_safe)
        + (wt_x0 * wt_y1)[..., None] * at(x0_safe, y1_safe)
        + (wt_x1 * wt_y0)[..., None] * at(x1_safe, y0_safe)
        + (wt_x1 * wt_y1)[..., None] * at(x1_safe, y1_safe)
    )
    return warped.astype(np.float32), u, v

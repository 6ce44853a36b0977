"""Rigid transforms: 6-DoF pose vectors <-> 4x4 matrices, inversion and composition.

Convention (DESIGN.md): a pose vector `[tx, ty, tz, rx, ry, rz]` maps a point of the target
camera frame to the source camera frame, `X_s = R X_t + t`, with `R = Rx(rx) Ry(ry) Rz(rz)`.
Everything here is batched over leading dimensions and works in float32 or float64.
"""

import tensorflow as tf


def euler_to_matrix(angles: tf.Tensor) -> tf.Tensor:
    """Rotation matrices from Euler angles.

    Args:
      angles: float [..., 3], `(rx, ry, rz)` in radians.

    Returns:
      float [..., 3, 3], `R = Rx(rx) @ Ry(ry) @ Rz(rz)`.
    """
    angles = tf.convert_to_tensor(angles)
    rx, ry, rz = tf.unstack(angles, num=3, axis=-1)
    cx, sx = tf.cos(rx), tf.sin(rx)
    cy, sy = tf.cos(ry), tf.sin(ry)
    cz, sz = tf.cos(rz), tf.sin(rz)
    # Rx Ry Rz multiplied out (rows of R):
    #   [ cy cz,                 -cy sz,                  sy    ]
    #   [ cx sz + sx sy cz,       cx cz - sx sy sz,       -sx cy ]
    #   [ sx sz - cx sy cz,       sx cz + cx sy sz,        cx cy ]
    rows = [
        [cy * cz, -cy * sz, sy],
        [cx * sz + sx * sy * cz, cx * cz - sx * sy * sz, -sx * cy],
        [sx * sz - cx * sy * cz, sx * cz + cx * sy * sz, cx * cy],
    ]
    return tf.stack([tf.stack(row, axis=-1) for row in rows], axis=-2)


def matrix_to_euler(rotation: tf.Tensor) -> tf.Tensor:
    """Inverse of `euler_to_matrix` for |ry| < pi/2 (away from gimbal lock).

    Args:
      rotation: float [..., 3, 3], a rotation matrix `Rx Ry Rz`.

    Returns:
      float [..., 3], `(rx, ry, rz)` in radians.
    """
    # From the product written out in `euler_to_matrix`:
    #   R02 = sy,  R12 / R22 = -tan(rx),  R01 / R00 = -tan(rz),  cy = hypot(R00, R01) >= 0.
    r00, r01, r02 = rotation[..., 0, 0], rotation[..., 0, 1], rotation[..., 0, 2]
    r12, r22 = rotation[..., 1, 2], rotation[..., 2, 2]
    ry = tf.atan2(r02, tf.sqrt(r00 * r00 + r01 * r01))
    rx = tf.atan2(-r12, r22)
    rz = tf.atan2(-r01, r00)
    return tf.stack([rx, ry, rz], axis=-1)


def _from_rotation_translation(rotation: tf.Tensor, translation: tf.Tensor) -> tf.Tensor:
    """[..., 3, 3] rotation and [..., 3] translation -> [..., 4, 4] homogeneous transform."""
    top = tf.concat([rotation, translation[..., tf.newaxis]], axis=-1)
    bottom = tf.concat(
        [tf.zeros_like(translation), tf.ones_like(translation[..., :1])], axis=-1
    )[..., tf.newaxis, :]
    return tf.concat([top, bottom], axis=-2)


def pose_vec2mat(vec: tf.Tensor) -> tf.Tensor:
    """Pose vectors to homogeneous transforms.

    Args:
      vec: float [..., 6] (usually [B, 6]), target->source, `[tx, ty, tz, rx, ry, rz]`
        (translation in the depth's unit, angles in radians).

    Returns:
      float [..., 4, 4], `[[R, t], [0, 1]]` with `X_s = R X_t + t`.
    """
    vec = tf.convert_to_tensor(vec)
    if vec.shape.rank is not None and vec.shape[-1] is not None and vec.shape[-1] != 6:
        raise ValueError(f"expected pose vectors of shape [..., 6], got {vec.shape}")
    return _from_rotation_translation(euler_to_matrix(vec[..., 3:]), vec[..., :3])


def mat2pose_vec(transform: tf.Tensor) -> tf.Tensor:
    """Homogeneous transforms to pose vectors (inverse of `pose_vec2mat` for |ry| < pi/2).

    Args:
      transform: float [..., 4, 4], `[[R, t], [0, 1]]`.

    Returns:
      float [..., 6], `[tx, ty, tz, rx, ry, rz]`.
    """
    transform = tf.convert_to_tensor(transform)
    return tf.concat(
        [transform[..., :3, 3], matrix_to_euler(transform[..., :3, :3])], axis=-1
    )


def invert_pose(transform: tf.Tensor) -> tf.Tensor:
    """Inverse of rigid transforms, without a general matrix inverse.

    Args:
      transform: float [..., 4, 4], `[[R, t], [0, 1]]` (a->b).

    Returns:
      float [..., 4, 4], `[[R^T, -R^T t], [0, 1]]` (b->a).
    """
    transform = tf.convert_to_tensor(transform)
    rotation_t = tf.linalg.matrix_transpose(transform[..., :3, :3])
    translation = -tf.linalg.matvec(rotation_t, transform[..., :3, 3])
    return _from_rotation_translation(rotation_t, translation)


def compose_poses(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """The transform `a @ b`: apply `b` first, then `a`.

    Args:
      a: float [..., 4, 4], frame 2 <- frame 1.
      b: float [..., 4, 4], frame 1 <- frame 0.

    Returns:
      float [..., 4, 4], frame 2 <- frame 0.
    """
    return tf.linalg.matmul(a, b)

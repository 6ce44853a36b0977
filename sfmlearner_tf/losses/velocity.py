"""Velocity supervision: the pose network's translations in metres, and with them the depth.

PackNet-SfM (Guizilini et al., CVPR 2020, `velocity_loss.py`): where the distance the camera
travels between frames is known (a car's speedometer, GPS, motion capture, the synthetic world),

    velocity = mean over snippets and sources of | ||t_pred|| - ||t_true|| |

pins the scale that a monocular loss leaves free. The warp ties depth to translation (a pixel's
motion is about f·t / depth), so once the translations are metric the depth is metric too.
"""

import tensorflow as tf


def true_translation_norms(gt_poses: tf.Tensor) -> tf.Tensor:
    """float32 [B, N]: the distance from the target camera to each source camera, in metres.

    Args:
      gt_poses: float [B, S, 3, 4] camera-to-world of every frame, the middle one the target.

    The target->source pose maps the target's centre (X_t = 0) to X_s = t, so ||t|| is the
    distance between the two cameras' centres, the last columns of their camera-to-world poses.
    """
    centres = tf.cast(gt_poses[..., :3, 3], tf.float32)
    num_frames = gt_poses.shape[1]
    middle = num_frames // 2
    sources = [n for n in range(num_frames) if n != middle]
    return tf.norm(tf.gather(centres, sources, axis=1) - centres[:, middle : middle + 1], axis=-1)


def velocity_loss(poses: tf.Tensor, gt_poses: tf.Tensor) -> tf.Tensor:
    """mean | ||t_pred|| - ||t_true|| |.

    Args:
      poses: float [B, N, 6] target->source `[tx, ty, tz, rx, ry, rz]`, the pose network's.
      gt_poses: float [B, N + 1, 3, 4] camera-to-world of every frame of the snippets.
    """
    predicted = tf.norm(tf.cast(poses[..., :3], tf.float32), axis=-1)
    return tf.reduce_mean(tf.abs(predicted - true_translation_norms(gt_poses)))

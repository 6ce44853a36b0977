"""Camera trajectories as numpy float64 [N, 4, 4] camera-to-world poses: the one conversion and chaining.

Shared by running the pose network (inference/) and scoring it (evaluation/); numpy only.
"""

import numpy as np


def to_homogeneous(poses: np.ndarray) -> np.ndarray:
    """[N, 3, 4] or [N, 12] or [N, 4, 4] -> float64 [N, 4, 4]."""
    poses = np.asarray(poses, np.float64)
    if poses.ndim == 2 and poses.shape[1] == 12:
        poses = poses.reshape(-1, 3, 4)
    if poses.ndim != 3 or poses.shape[1:] not in ((3, 4), (4, 4)):
        raise ValueError(f"poses must be [N, 3, 4], [N, 4, 4] or [N, 12], got shape {poses.shape}")
    if poses.shape[1] == 4:
        return poses
    bottom = np.broadcast_to(np.array([0.0, 0.0, 0.0, 1.0]), (len(poses), 1, 4))
    return np.concatenate([poses, bottom], axis=1)


def relative_to_first(poses: np.ndarray) -> np.ndarray:
    """T_0^-1 T_i for every camera-to-world pose: the trajectory in the first camera's frame."""
    poses = to_homogeneous(poses)
    return np.linalg.inv(poses[0]) @ poses


def chain_relative_poses(relative: np.ndarray) -> np.ndarray:
    """Camera-to-world poses from consecutive motions, the first camera at the origin.

    Args:
      relative: float [N-1, 4, 4]; relative[i] maps points of camera i+1 to camera i
        (T_{i <- i+1}, i.e. the pose of camera i+1 in camera i's frame).

    Returns:
      float [N, 4, 4]: T_0 = I, T_{i+1} = T_i relative[i].
    """
    relative = to_homogeneous(relative)
    poses = [np.eye(4)]
    for step in relative:
        poses.append(poses[-1] @ step)
    return np.stack(poses)

"""Trajectory files: KITTI odometry (`poses/NN.txt`) and TUM RGB-D (`groundtruth.txt`).

KITTI: one row per frame, the 12 numbers of the camera-to-world 3x4 matrix, row-major.
TUM:   `timestamp tx ty tz qx qy qz qw` per line, camera-to-world, `#` lines are comments.
Quaternions are Hamilton, (x, y, z, w), unit norm. Writers go through a temporary file and a
rename so that a crash never leaves half a file.
"""

import os

import numpy as np

from sfmlearner_tf import atomic_write
from sfmlearner_tf.trajectories import to_homogeneous


def quaternion_to_matrix(quaternions: np.ndarray) -> np.ndarray:
    """float [N, 4] (qx, qy, qz, qw), normalized here -> rotation matrices [N, 3, 3]."""
    q = np.asarray(quaternions, np.float64).reshape(-1, 4)
    norm = np.linalg.norm(q, axis=1, keepdims=True)
    if np.any(norm == 0):
        raise ValueError("zero-norm quaternion")
    x, y, z, w = (q / norm).T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=1,
    )


def matrix_to_quaternion(rotations: np.ndarray) -> np.ndarray:
    """Rotation matrices [N, 3, 3] -> float [N, 4] (qx, qy, qz, qw) with qw >= 0.

    Shepperd's method: pick the largest of 4 qw^2, 4 qx^2, 4 qy^2, 4 qz^2 (the diagonal
    combinations 1 + tr, 1 + 2 R_ii - tr) to divide by, so that no division is near zero.
    """
    rotations = np.asarray(rotations, np.float64).reshape(-1, 3, 3)
    out = np.empty((len(rotations), 4))
    for i, r in enumerate(rotations):
        trace = np.trace(r)
        candidates = [1 + trace, 1 + 2 * r[0, 0] - trace, 1 + 2 * r[1, 1] - trace, 1 + 2 * r[2, 2] - trace]
        k = int(np.argmax(candidates))
        root = np.sqrt(max(candidates[k], 0.0)) * 2  # = 4 |q_k|
        if k == 0:
            q = [(r[2, 1] - r[1, 2]) / root, (r[0, 2] - r[2, 0]) / root, (r[1, 0] - r[0, 1]) / root, root / 4]
        elif k == 1:
            q = [root / 4, (r[0, 1] + r[1, 0]) / root, (r[0, 2] + r[2, 0]) / root, (r[2, 1] - r[1, 2]) / root]
        elif k == 2:
            q = [(r[0, 1] + r[1, 0]) / root, root / 4, (r[1, 2] + r[2, 1]) / root, (r[0, 2] - r[2, 0]) / root]
        else:
            q = [(r[0, 2] + r[2, 0]) / root, (r[1, 2] + r[2, 1]) / root, root / 4, (r[1, 0] - r[0, 1]) / root]
        q = np.asarray(q)
        out[i] = (q if q[3] >= 0 else -q) / np.linalg.norm(q)
    return out


def read_kitti_poses(path: str) -> np.ndarray:
    """KITTI odometry pose file -> float64 [N, 4, 4] camera-to-world."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"pose file {path} not found")
    rows = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            values = line.split()
            if len(values) != 12:
                raise ValueError(f"{path}:{number}: expected 12 numbers, got {len(values)}")
            rows.append([float(value) for value in values])
    if not rows:
        raise ValueError(f"pose file {path} is empty")
    return to_homogeneous(np.asarray(rows))


def write_kitti_poses(path: str, poses: np.ndarray) -> None:
    """float [N, 4, 4] or [N, 3, 4] camera-to-world -> 12 numbers per row."""
    rows = to_homogeneous(poses)[:, :3, :].reshape(-1, 12)
    atomic_write.write_text(path, "".join(" ".join(f"{value:.9e}" for value in row) + "\n" for row in rows))


def read_tum_trajectory(path: str) -> tuple[np.ndarray, np.ndarray]:
    """TUM trajectory file -> (timestamps float64 [N], poses float64 [N, 4, 4] camera-to-world)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"trajectory file {path} not found")
    rows = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            values = line.replace(",", " ").split()
            if len(values) != 8:
                raise ValueError(f"{path}:{number}: expected 'timestamp tx ty tz qx qy qz qw', got {line!r}")
            rows.append([float(value) for value in values])
    if not rows:
        raise ValueError(f"trajectory file {path} has no poses")
    rows = np.asarray(rows)
    poses = np.tile(np.eye(4), (len(rows), 1, 1))
    poses[:, :3, :3] = quaternion_to_matrix(rows[:, 4:8])
    poses[:, :3, 3] = rows[:, 1:4]
    return rows[:, 0], poses


def write_tum_trajectory(path: str, timestamps: np.ndarray, poses: np.ndarray) -> None:
    """(timestamps [N], camera-to-world poses [N, 4, 4]) -> `t tx ty tz qx qy qz qw` lines."""
    poses = to_homogeneous(poses)
    timestamps = np.asarray(timestamps, np.float64).reshape(-1)
    if len(timestamps) != len(poses):
        raise ValueError(f"{len(timestamps)} timestamps for {len(poses)} poses")
    quaternions = matrix_to_quaternion(poses[:, :3, :3])
    lines = ["# timestamp tx ty tz qx qy qz qw\n"]
    for stamp, pose, q in zip(timestamps, poses, quaternions):
        values = [*pose[:3, 3], *q]
        lines.append(f"{stamp:.6f} " + " ".join(f"{value:.9f}" for value in values) + "\n")
    atomic_write.write_text(path, "".join(lines))


def associate_timestamps(queries: np.ndarray, references: np.ndarray, max_difference: float = 0.02) -> np.ndarray:
    """Index of the nearest reference timestamp for every query, -1 where none is within `max_difference`.

    Args:
      queries: float [N] seconds; references: float [M] seconds, any order.
    """
    queries = np.asarray(queries, np.float64)
    references = np.asarray(references, np.float64)
    order = np.argsort(references)
    sorted_refs = references[order]
    right = np.clip(np.searchsorted(sorted_refs, queries), 0, len(sorted_refs) - 1)
    left = np.clip(right - 1, 0, len(sorted_refs) - 1)
    nearest = np.where(
        np.abs(sorted_refs[left] - queries) <= np.abs(sorted_refs[right] - queries), left, right
    )
    index = order[nearest]
    return np.where(np.abs(references[index] - queries) <= max_difference, index, -1)

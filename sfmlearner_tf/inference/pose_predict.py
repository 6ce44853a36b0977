"""The pose network run over a sequence: pose vectors of every snippet, and the trajectory they chain to.

The pose network gives, for a snippet with the target in the middle, the motion
`M_s = T_{s <- t}` (target -> source s, `X_s = M_s X_t`) of every source. The pose of frame i in
the first frame's coordinates is then `T_{0 <- i} = M_0 M_i^-1` (M_target = I), as SfMLearner's
`dump_pose_seq_TUM` writes it. A full sequence chains the consecutive motions `T_{i <- i+1}`
from the first frame (identity).
"""

import os
from typing import Optional

import numpy as np
import tensorflow as tf

from sfmlearner_tf.geometry import pose_vec2mat
from sfmlearner_tf.image_range import to_network_range
from sfmlearner_tf.inference import trajectory_io
from sfmlearner_tf.inference.predict import batched


def pose_vectors_to_matrices(vectors: np.ndarray) -> np.ndarray:
    """float [..., 6] target->source pose vectors -> float64 [..., 4, 4] (the geometry package's convention)."""
    return pose_vec2mat(tf.constant(np.asarray(vectors, np.float64))).numpy()


def snippet_poses_from_motions(motions: np.ndarray) -> np.ndarray:
    """One snippet's predicted poses in its first frame: float64 [seq, 4, 4].

    Args:
      motions: float [seq - 1, 4, 4], M_s = T_{s <- t} of the sources in time order; the target
        is the middle frame, at index seq // 2 of the snippet, i.e. (len(motions) + 1) // 2.
    """
    target = (len(motions) + 1) // 2
    motions = np.concatenate([motions[:target], np.eye(4)[None], motions[target:]], axis=0)
    return motions[0] @ np.linalg.inv(motions)


def snippet_poses(vectors: np.ndarray) -> np.ndarray:
    """`snippet_poses_from_motions` of pose vectors float [seq - 1, 6] (target->source)."""
    return snippet_poses_from_motions(pose_vectors_to_matrices(vectors))


def predict_snippet_vectors(pose_fn, frames: np.ndarray, seq_length: int, batch_size: int = 8) -> np.ndarray:
    """Pose vectors of every full snippet of a sequence.

    Args:
      pose_fn: (target [B,H,W,3], sources [B,H,W,3N]) in [-1, 1] -> pose [B, N, 6].
      frames: uint8 [F, H, W, 3] at the network's size, F >= seq_length.

    Returns:
      float32 [F - seq_length + 1, seq_length - 1, 6]: row k for the snippet of frames
      k .. k + seq_length - 1 (target k + seq_length // 2).
    """
    if len(frames) < seq_length:
        raise ValueError(f"a sequence of {len(frames)} frames is shorter than the snippet length {seq_length}")
    half = seq_length // 2
    outputs = []
    for starts in batched(range(len(frames) - seq_length + 1), batch_size):
        snippets = to_network_range(np.stack([frames[k:k + seq_length] for k in starts]))
        target = snippets[:, half]
        sources = tf.concat([snippets[:, i] for i in range(seq_length) if i != half], axis=-1)
        outputs.append(np.asarray(pose_fn(target, sources)))
    return np.concatenate(outputs, axis=0)


def consecutive_motions(vectors: np.ndarray, seq_length: int) -> np.ndarray:
    """T_{i <- i+1} (points of camera i+1 to camera i) for every consecutive pair, float64 [F - 1, 4, 4].

    Pair (i, i+1) takes the snippet whose target is i: its source i+1 gives M = T_{i+1 <- i},
    inverted. Where i is not a target (the last pair(s)), the snippet whose target is i + 1
    gives T_{i <- i+1} directly from its source i. Pairs with neither frame a target (the
    ends of a sequence when seq_length >= 5) use the first / last snippet's poses,
    T_{i <- i+1} = P_i^-1 P_{i+1} with P the snippet's poses in its first frame.

    Args:
      vectors: float [S, seq_length - 1, 6] from `predict_snippet_vectors`.
    """
    half = seq_length // 2
    matrices = pose_vectors_to_matrices(vectors)
    num_snippets = len(vectors)
    num_frames = num_snippets + seq_length - 1
    motions = []
    for i in range(num_frames - 1):
        if half <= i < half + num_snippets:
            motions.append(np.linalg.inv(matrices[i - half, half]))
        elif half <= i + 1 < half + num_snippets:
            motions.append(matrices[i + 1 - half, half - 1])
        else:
            snippet = 0 if i < half else num_snippets - 1
            poses = snippet_poses_from_motions(matrices[snippet])
            local = i - snippet
            motions.append(np.linalg.inv(poses[local]) @ poses[local + 1])
    return np.stack(motions)


def write_trajectory(output_dir: str, name: str, poses: np.ndarray, timestamps: Optional[np.ndarray] = None) -> dict:
    """`name.kitti.txt` and `name.tum.txt` in `output_dir`; returns their paths."""
    if timestamps is None:
        timestamps = np.arange(len(poses), dtype=np.float64)
    paths = {"kitti": os.path.join(output_dir, f"{name}.kitti.txt"), "tum": os.path.join(output_dir, f"{name}.tum.txt")}
    trajectory_io.write_kitti_poses(paths["kitti"], poses)
    trajectory_io.write_tum_trajectory(paths["tum"], timestamps, poses)
    return paths

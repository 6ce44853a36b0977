"""Pose evaluation: the paper's snippet ATE and full-sequence ATE / RPE, model beside zero motion.

Predictions come from `inference/pose_predict.py` (a snippet's poses in its first frame, the chained
trajectory of a sequence); ground truth is `G_0^-1 G_i` from camera-to-world poses. Full
sequences are aligned to the ground truth by Umeyama Sim(3), then ATE and per-pair RPE
(`pose_metrics`).

Zero-motion baseline: every pose the identity, evaluated by the same functions.
"""

from typing import Sequence

import numpy as np

from sfmlearner_tf import trajectories
from sfmlearner_tf.evaluation import pose_metrics
from sfmlearner_tf.inference.pose_predict import (consecutive_motions, pose_vectors_to_matrices, predict_snippet_vectors,
                                           snippet_poses_from_motions)

SNIPPET_FORMULA = (
    "first-frame alignment, least-squares scale, sqrt(sum_i ||s p_i - g_i||^2) / N per snippet "
    "(SfMLearner kitti_eval/eval_pose.py); mean and std over snippets"
)


def snippet_ate_values(gt_poses: Sequence[np.ndarray], pred_poses: Sequence[np.ndarray]) -> list:
    """Snippet ATE of each (gt camera-to-world [L, 4, 4], pred camera-to-first [L, 4, 4]) pair."""
    values = []
    for gt, pred in zip(gt_poses, pred_poses):
        gt_xyz = trajectories.relative_to_first(gt)[:, :3, 3]
        pred_xyz = trajectories.relative_to_first(pred)[:, :3, 3]
        values.append(pose_metrics.snippet_ate(gt_xyz, pred_xyz))
    return values


def zero_motion_snippet_ate(gt_poses: Sequence[np.ndarray]) -> list:
    return snippet_ate_values(gt_poses, [np.tile(np.eye(4), (len(gt), 1, 1)) for gt in gt_poses])


def method_result(snippet_values: list, gt_trajectories: list, pred_trajectories: list) -> dict:
    """Snippet ATE summary + full-sequence errors (per trajectory and mean over trajectories)."""
    full = [pose_metrics.trajectory_errors(gt, pred) for gt, pred in zip(gt_trajectories, pred_trajectories)]
    result = {"snippet_ate": pose_metrics.summarize(snippet_values)}
    if full:
        keys = [key for key in full[0] if key != "num_frames"]
        result["full_sequence"] = {key: float(np.mean([entry[key] for entry in full])) for key in keys}
        result["full_sequence"]["num_trajectories"] = len(full)
        result["per_trajectory"] = full
    return result


def evaluate_pose_on_sequence(
    pose_fn,
    frames: np.ndarray,
    gt_poses: np.ndarray,
    seq_length: int,
    snippet_length: int = 5,
    batch_size: int = 8,
) -> tuple[dict, np.ndarray]:
    """Both protocols on one sequence of frames.

    Args:
      pose_fn: see `predict_snippet_vectors`.
      frames: uint8 [F, H, W, 3] at the network's size.
      gt_poses: float [F, 4, 4] camera-to-world.
      seq_length: the network's snippet length.
      snippet_length: frames per ATE snippet (5 in the paper). When it equals `seq_length` the
        snippets' own predictions are used ("direct"); otherwise each snippet's poses are the
        chained consecutive motions ("chained"), which is how a 3-frame model is scored on
        5-frame snippets.

    Returns:
      (result dict, predicted camera-to-world trajectory float64 [F, 4, 4] starting at identity).
    """
    gt_poses = trajectories.to_homogeneous(gt_poses)
    if len(gt_poses) != len(frames):
        raise ValueError(f"{len(gt_poses)} ground-truth poses for {len(frames)} frames")
    if len(frames) < max(seq_length, snippet_length):
        raise ValueError(f"{len(frames)} frames are fewer than a snippet ({max(seq_length, snippet_length)})")
    vectors = predict_snippet_vectors(pose_fn, frames, seq_length, batch_size)
    trajectory = trajectories.chain_relative_poses(consecutive_motions(vectors, seq_length))
    starts = range(len(frames) - snippet_length + 1)
    gt_snippets = [gt_poses[k:k + snippet_length] for k in starts]
    if snippet_length == seq_length:
        method, pred_snippets = "direct", [snippet_poses_from_motions(m) for m in pose_vectors_to_matrices(vectors)]
    else:
        method, pred_snippets = "chained", [trajectory[k:k + snippet_length] for k in starts]
    identity = np.tile(np.eye(4), (len(frames), 1, 1))
    result = {
        "snippet": {"length": snippet_length, "method": method, "formula": SNIPPET_FORMULA},
        "num_frames": len(frames),
        "model": method_result(snippet_ate_values(gt_snippets, pred_snippets), [gt_poses], [trajectory]),
        "baselines": {"zero_motion": method_result(zero_motion_snippet_ate(gt_snippets), [gt_poses], [identity])},
    }
    return result, trajectory

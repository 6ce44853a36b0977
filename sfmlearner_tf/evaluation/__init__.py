"""Evaluation and inference: depth metrics (KITTI Eigen protocol), pose metrics (snippet ATE,
Sim(3)-aligned ATE / RPE), KITTI / TUM ground-truth readers, and batched prediction.

The two entry points a script calls directly (both return a JSON-ready dict with the model's
numbers beside the baselines):
  `evaluate_depth_on_dataset(model, dataset_dir, split)`  depth metrics + constant-depth baseline
  `evaluate_pose_on_dataset(model, dataset_dir, split)`   snippet / full ATE, RPE + zero motion
"""

from sfmlearner_tf.evaluation.depth_eval import evaluate_depth_on_dataset
from sfmlearner_tf.evaluation.depth_metrics import DEPTH_METRIC_NAMES, compute_depth_metrics
from sfmlearner_tf.evaluation.pose_metrics import snippet_ate, trajectory_errors, umeyama_alignment
from sfmlearner_tf.evaluation.pose_runs import evaluate_pose_on_dataset

__all__ = [
    "DEPTH_METRIC_NAMES",
    "compute_depth_metrics",
    "evaluate_depth_on_dataset",
    "evaluate_pose_on_dataset",
    "snippet_ate",
    "trajectory_errors",
    "umeyama_alignment",
]

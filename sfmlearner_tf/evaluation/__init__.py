"""Scoring a trained model: depth metrics (KITTI Eigen protocol, beside the constant and mean-map
baselines), pose metrics (snippet ATE, Sim(3)-aligned ATE / RPE, beside zero motion), and the
ground-truth readers (KITTI, TUM). Running the model itself is `sfmlearner_tf/inference/`.

The two entry points a script calls (both return a JSON-ready dict):
  `depth_eval.evaluate_depth_on_dataset(model, dataset_dir, split)`
  `pose_runs.evaluate_pose_on_dataset(model, dataset_dir, split)`
"""

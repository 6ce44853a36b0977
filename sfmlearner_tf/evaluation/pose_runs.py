"""Pose evaluation entry points: TFRecords with `gt_poses`, or a raw KITTI odometry / TUM sequence.

Both return a JSON-ready dict: `snippet` (protocol), `model` and `baselines.zero_motion`, each with
`snippet_ate` {mean, std, count} and `full_sequence` {ate_rmse, rpe_trans_rmse, rpe_trans_mean,
rpe_rot_rmse, rpe_rot_mean (radians), scale, num_trajectories}, plus `trajectories` (files written).
"""

import os
from typing import Optional

import numpy as np

from sfmlearner_tf.config import DataConfig
from sfmlearner_tf.data import make_dataset
from sfmlearner_tf.data.dataset_info import read_dataset_info
from sfmlearner_tf import trajectories
from sfmlearner_tf.evaluation import pose_eval, pose_metrics, sequences
from sfmlearner_tf.inference import pose_predict
from sfmlearner_tf.inference.predict import is_saved_model, load_networks, pose_from_network
from sfmlearner_tf.progress_bar import ProgressBar

DATASET_FORMATS = ("kitti_odom", "tum")


def _networks(model):
    """A path -> (Config, DispNet, PoseExpNet) restored; an already restored triple passes through."""
    if not isinstance(model, str):
        return model
    if is_saved_model(model):
        raise ValueError(f"pose evaluation needs a training run or checkpoint, {model!r} is a SavedModel")
    return load_networks(model)


def _chains(records: list, stride: int) -> list:
    """Runs of records whose targets follow each other at `stride` frames within a sequence.

    A record's motion is T_{t <- t+stride} (its target to the next source), so a trajectory
    can only be chained through targets t, t + stride, t + 2 stride, ...; with stride > 1 a
    sequence gives `stride` interleaved chains, and a missing target starts a new chain.
    """
    by_key = {(r["sequence"], r["frame_index"]): r for r in records}
    visited, chains = set(), []
    for key in sorted(by_key):
        if key in visited:
            continue
        chain = []
        while key in by_key and key not in visited:
            visited.add(key)
            chain.append(by_key[key])
            key = (key[0], key[1] + stride)
        chains.append(chain)
    return chains


def evaluate_pose_on_dataset(
    model,
    dataset_dir: str,
    split: str = "test",
    batch_size: int = 8,
    max_examples: Optional[int] = None,
    output_dir: Optional[str] = None,
    show_progress: bool = True,
) -> dict:
    """Snippet ATE over the split's snippets (snippet length = the model's seq_length, "direct"),
    and full-sequence ATE / RPE over each chain of targets `frame_stride` apart in a sequence.

    Args:
      model: run directory or checkpoint prefix (the pose network is needed), or the
        (Config, DispNet, PoseExpNet) of `predict.load_networks`.
      dataset_dir, split: TFRecords with `has_gt_poses` and the model's `seq_length`.
      output_dir: where `<sequence>.kitti.txt` / `.tum.txt` are written (None: not written);
        TUM timestamps are frame indices.
    """
    info = read_dataset_info(dataset_dir)
    if not info["has_gt_poses"]:
        raise ValueError(f"dataset {dataset_dir!r} has no gt_poses (dataset.json has_gt_poses is false)")
    config, _, pose_net = _networks(model)
    seq_length = config.model.seq_length
    if int(info["seq_length"]) != seq_length:
        raise ValueError(f"the model takes {seq_length}-frame snippets, dataset {dataset_dir!r} has {info['seq_length']}")
    half = seq_length // 2
    stride = int(info.get("frame_stride", 1))
    pose_fn = pose_from_network(pose_net)
    dataset = make_dataset(dataset_dir, split, DataConfig(dataset_dir=dataset_dir, batch_size=batch_size, augment=False),
                           config.model, training=False)
    progress = ProgressBar(max_examples or info["splits"].get(split, {}).get("num_snippets"), "pose") if show_progress else None
    gt_snippets, pred_snippets, records = [], [], []
    for batch in dataset:
        matrices = pose_predict.pose_vectors_to_matrices(np.asarray(pose_fn(batch["target"], batch["sources"])))
        gt_batch = trajectories.to_homogeneous(batch["gt_poses"].numpy().reshape(-1, 3, 4)).reshape(-1, seq_length, 4, 4)
        for i in range(len(matrices)):
            if max_examples is not None and len(records) >= max_examples:
                break
            gt_snippets.append(gt_batch[i])
            pred_snippets.append(pose_predict.snippet_poses_from_motions(matrices[i]))
            records.append({
                "sequence": batch["sequence"][i].numpy().decode(),
                "frame_index": int(batch["frame_index"][i]),
                "gt": gt_batch[i, half],
                "motion": np.linalg.inv(matrices[i, half]),  # T_{t <- t+stride}, the next source
            })
            if progress:
                progress.update()
        if max_examples is not None and len(records) >= max_examples:
            break
    if progress:
        progress.close()
    if not records:
        raise ValueError(f"split {split!r} of {dataset_dir!r} holds no snippet")

    gt_trajectories, pred_trajectories, names, written = [], [], [], {}
    for chain in _chains(records, stride):
        if len(chain) < 3:
            continue
        gt_trajectories.append(np.stack([r["gt"] for r in chain]))
        pred_trajectories.append(trajectories.chain_relative_poses(np.stack([r["motion"] for r in chain[:-1]])))
        name = chain[0]["sequence"] or "sequence"
        names.append(name if name not in names else f"{name}_{chain[0]['frame_index']}")
        if output_dir:
            frames = np.array([r["frame_index"] for r in chain], np.float64)
            written[names[-1]] = pose_predict.write_trajectory(output_dir, names[-1], pred_trajectories[-1], frames)
    identities = [np.tile(np.eye(4), (len(gt), 1, 1)) for gt in gt_trajectories]
    return {
        "mode": "pose",
        "protocol": f"tfrecords:{split}",
        "snippet": {"length": seq_length, "method": "direct", "formula": pose_eval.SNIPPET_FORMULA},
        "num_snippets": len(records),
        "trajectory_names": names,
        "model": pose_eval.method_result(pose_eval.snippet_ate_values(gt_snippets, pred_snippets),
                                          gt_trajectories, pred_trajectories),
        "baselines": {"zero_motion": pose_eval.method_result(pose_eval.zero_motion_snippet_ate(gt_snippets),
                                                              gt_trajectories, identities)},
        "trajectories": written,
    }


def load_raw_sequence(dataset_format: str, dataset_dir: str, sequence: str = "") -> tuple[list, np.ndarray, np.ndarray]:
    """(image paths, gt camera-to-world [F, 4, 4], timestamps [F]) of a raw sequence."""
    if dataset_format == "kitti_odom":
        if not sequence:
            raise ValueError("kitti_odom needs a sequence id (e.g. '06')")
        return sequences.load_kitti_odometry(dataset_dir, sequence)
    if dataset_format == "tum":
        return sequences.load_tum(dataset_dir)
    raise ValueError(f"dataset_format must be one of {DATASET_FORMATS}, got {dataset_format!r}")


def evaluate_pose_on_raw_sequence(
    model,
    dataset_format: str,
    dataset_dir: str,
    sequence: str = "",
    snippet_length: int = 5,
    batch_size: int = 8,
    max_frames: Optional[int] = None,
    output_dir: Optional[str] = None,
) -> dict:
    """Both protocols on frames read straight from a KITTI odometry or TUM folder (resized to the model).

    `model` is a path or a restored triple, as for `evaluate_pose_on_dataset`.
    """
    config, _, pose_net = _networks(model)
    image_paths, gt_poses, timestamps = load_raw_sequence(dataset_format, dataset_dir, sequence)
    if max_frames:
        image_paths, gt_poses, timestamps = image_paths[:max_frames], gt_poses[:max_frames], timestamps[:max_frames]
    frames = sequences.load_frames(image_paths, config.model.height, config.model.width)
    result, trajectory = pose_eval.evaluate_pose_on_sequence(
        pose_from_network(pose_net), frames, gt_poses, config.model.seq_length, snippet_length, batch_size)
    name = f"{dataset_format}_{sequence}" if sequence else dataset_format
    written = pose_predict.write_trajectory(output_dir, name, trajectory, timestamps) if output_dir else {}
    return {
        "mode": "pose",
        "protocol": f"{dataset_format}:{os.path.basename(os.path.normpath(dataset_dir))}{'/' + sequence if sequence else ''}",
        "model_seq_length": config.model.seq_length,
        **result,
        "trajectories": {name: written} if written else {},
    }

"""Where the self-supervised depth signal goes: a trained run's photometric loss with its own and true geometry.

    python -m benchmarks.depth_signal --model=RUN --dataset_dir=RECORDS [--split=train] [--batches=6]

Needs records with ground-truth depth and poses (the synthetic world, TUM). For the run's
networks on those snippets it prints, as JSON, the photometric term of the run's own loss with

- `model_depth_model_pose`: what training minimizes;
- `true_depth_model_pose`: the true depth (scaled per image to the model's median) with the
  network's pose — if this is hardly lower, the loss cannot teach the depth network more with
  this pose;
- `model_depth_true_pose`, `mean_map_true_pose`, `true_depth_true_pose`: the same with the true
  relative poses; depths are then in metres (the model's and the true mean map scaled per image to
  the true median). With `normalize_disparity` the loss measures depth in units of the map's own
  1 / mean disparity, so the true translation is converted to those units.

and `alignment`: the correlation, over pixels, between minus the gradient of the photometric term
with respect to log-depth and the log error (true / model, median-scaled), split into the part
shared by all images (the layout) and the per-image rest. A depth network can only learn per-image
depth where the per-image correlation is clearly positive. `init_feature_rms` is the RMS of each
DispNet encoder stage of a freshly initialised network of the run's config on the same images.
"""

import dataclasses
import json
import sys

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from benchmarks.machine import machine  # noqa: E402
from sfmlearner_tf.config import DataConfig  # noqa: E402
from sfmlearner_tf.data import make_dataset  # noqa: E402
from sfmlearner_tf.geometry.pose import invert_pose, mat2pose_vec  # noqa: E402
from sfmlearner_tf.trajectories import to_homogeneous  # noqa: E402
from sfmlearner_tf.losses import area_downsample, compute_losses  # noqa: E402
from sfmlearner_tf.run_dir import build_models, restore_models  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("model", "", "A run directory (or a checkpoint in one).")
flags.DEFINE_string("dataset_dir", "", "TFRecords with ground-truth depth and poses.")
flags.DEFINE_string("split", "train", "The split to read.")
flags.DEFINE_integer("batches", 6, "Batches of 8 snippets.")

MAX_DEPTH = 80.0


def _true_relative_poses(gt_poses: tf.Tensor, num_frames: int) -> tf.Tensor:
    """Camera-to-world [B, F, 3, 4] -> target->source pose vectors [B, F - 1, 6] (middle frame = target)."""
    world = tf.constant(to_homogeneous(gt_poses.numpy().reshape(-1, 3, 4)).reshape(-1, num_frames, 4, 4), tf.float32)
    middle = num_frames // 2
    sources = [n for n in range(num_frames) if n != middle]
    return tf.stack([mat2pose_vec(invert_pose(world[:, n]) @ world[:, middle]) for n in sources], axis=1)


def _median_shift(log_depth: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """log_depth shifted per image so that its median matches the reference's (both [B, H, W, 1])."""
    axes = (1, 2, 3)
    return log_depth + np.median(reference, axis=axes, keepdims=True) - np.median(log_depth, axis=axes, keepdims=True)


def _pyramid(log_depth: np.ndarray, num_scales: int) -> list:
    """A full-size log-depth map -> the disparity at every scale, as the loss reads DispNet's."""
    disparity = tf.constant(np.exp(-log_depth).astype(np.float32))
    return [area_downsample(disparity, s) for s in range(num_scales)]


def _correlation(a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> float:
    a, b = a[keep] - a[keep].mean(), b[keep] - b[keep].mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def main(argv):
    del argv
    config, depth_net, pose_net = restore_models(FLAGS.model)
    loss_config = dataclasses.replace(config.loss, logit_range_weight=0.0)
    # With the true pose the loss must not refine it (--pose_refinement_steps): it would no longer be true.
    true_pose_config = dataclasses.replace(loss_config, pose_refinement_steps=0)
    data = make_dataset(FLAGS.dataset_dir, FLAGS.split, DataConfig(batch_size=8, augment=False), config.model,
                        training=False)
    batches = list(data.take(FLAGS.batches))
    if not batches or "gt_depth" not in batches[0] or "gt_poses" not in batches[0]:
        sys.exit(f"depth_signal: error: {FLAGS.dataset_dir} split {FLAGS.split!r} has no ground-truth depth and poses")
    true_log = [np.log(np.clip(np.where(b["gt_depth"].numpy() > 0, b["gt_depth"].numpy(), MAX_DEPTH), 1e-3, MAX_DEPTH))
                for b in batches]
    mean_map = np.mean(np.concatenate(true_log), axis=0, keepdims=True)

    def photometric(batch, log_depth, poses, metric=False):
        if metric and loss_config.normalize_disparity:
            # The loss divides the disparity by its mean, so metres become units of 1 / mean
            # disparity: the true translation must be expressed in the same units.
            mean_disparity = np.mean(np.exp(-log_depth), axis=(1, 2, 3)).astype(np.float32)
            poses = tf.concat([poses[..., :3] * mean_disparity[:, None, None], poses[..., 3:]], axis=-1)
        output = compute_losses(true_pose_config if metric else loss_config, batch["target"], batch["sources"],
                                batch["intrinsics"], _pyramid(log_depth, loss_config.num_scales), poses)
        return float(output.terms["photometric"])

    losses = {key: [] for key in ("model_depth_model_pose", "true_depth_model_pose", "model_depth_true_pose",
                                  "mean_map_true_pose", "true_depth_true_pose")}
    gradients, errors, keeps = [], [], []
    for batch, gt_log in zip(batches, true_log):
        model_log = -np.log(depth_net(batch["target"])[0].numpy())
        model_pose = pose_net(batch["target"], batch["sources"])["pose"]
        true_pose = _true_relative_poses(batch["gt_poses"], config.model.seq_length)
        losses["model_depth_model_pose"].append(photometric(batch, model_log, model_pose))
        losses["true_depth_model_pose"].append(photometric(batch, _median_shift(gt_log, model_log), model_pose))
        losses["model_depth_true_pose"].append(photometric(batch, _median_shift(model_log, gt_log), true_pose, metric=True))
        losses["mean_map_true_pose"].append(
            photometric(batch, _median_shift(np.broadcast_to(mean_map, gt_log.shape), gt_log), true_pose, metric=True))
        losses["true_depth_true_pose"].append(photometric(batch, gt_log, true_pose, metric=True))

        log_depth = tf.Variable(model_log.astype(np.float32))
        with tf.GradientTape() as tape:
            disparities = [tf.exp(-log_depth)] + _pyramid(model_log, loss_config.num_scales)[1:]
            output = compute_losses(loss_config, batch["target"], batch["sources"], batch["intrinsics"],
                                    disparities, model_pose)
        gradients.append(-tape.gradient(output.terms["photometric"], log_depth).numpy())
        errors.append(gt_log - _median_shift(model_log, gt_log))
        keeps.append(batch["gt_depth"].numpy() > 0)
    gradient, error, keep = np.concatenate(gradients), np.concatenate(errors), np.concatenate(keeps)
    shared_gradient = np.broadcast_to(gradient.mean(axis=0, keepdims=True), gradient.shape)
    shared_error = np.broadcast_to(error.mean(axis=0, keepdims=True), error.shape)

    fresh, _ = build_models(config)
    stages = fresh.encode(batches[0]["target"])
    print(json.dumps({
        "benchmark": "depth_signal",
        "model": FLAGS.model,
        "data": f"{FLAGS.dataset_dir} split {FLAGS.split}, {len(gradient)} snippets",
        "photometric": {key: round(float(np.mean(values)), 5) for key, values in losses.items()},
        "alignment": {
            "all": round(_correlation(gradient, error, keep), 4),
            "layout": round(_correlation(shared_gradient, shared_error, keep), 4),
            "per_image": round(_correlation(gradient - shared_gradient, error - shared_error, keep), 4),
        },
        "init_feature_rms": [round(float(np.sqrt(np.mean(np.square(s.numpy())))), 5) for s in stages],
        "machine": machine(),
    }, indent=2))


if __name__ == "__main__":
    app.run(main)

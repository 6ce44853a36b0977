"""Evaluates a trained model's depth or pose against ground truth; prints a table, writes JSON.

  # depth on TFRecords with gt_depth (e.g. the synthetic world's test split)
  python -m sfmlearner_tf.evaluate --mode=depth --model=RUN --dataset_dir=DATA --split=test --output_file=depth.json
  # KITTI Eigen split (Velodyne ground truth, Eigen crop, cap 80 m)
  python -m sfmlearner_tf.evaluate --mode=depth --dataset_format=kitti_eigen --dataset_dir=KITTI_RAW \\
      --test_file_list=test_files_eigen.txt --model=RUN --output_file=eigen.json
  # depth maps (npy, or 16-bit PNG / --depth_png_scale) paired by name with images
  python -m sfmlearner_tf.evaluate --mode=depth --dataset_format=folders --image_dir=IMG --depth_dir=DEPTH ...
  # depth in metres: each prediction scaled by its ground plane and the camera's height (TFRecords)
  python -m sfmlearner_tf.evaluate --mode=depth --model=RUN --dataset_dir=DATA --camera_height=1.65 ...
  # pose on TFRecords with gt_poses, or a raw KITTI odometry / TUM sequence
  python -m sfmlearner_tf.evaluate --mode=pose --model=RUN --dataset_dir=DATA --split=test --output_file=pose.json
  python -m sfmlearner_tf.evaluate --mode=pose --dataset_format=kitti_odom --dataset_dir=ODOM --sequence=09 ...

The JSON holds the model's numbers beside the baselines (constant depth and the model's own mean
map / zero motion) and, for a run directory, its training-health record (a collapse recorded
during training is repeated on the console). A bad setup prints one line on stderr and exits with
status 2. With --camera_height, a model none of whose predictions shows the ground cannot be put in
metres: that is a finding about the model, so the JSON is written with the reason ("problem") and
the status is exit_status.FINDING.
"""

import json
import os
import sys

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from sfmlearner_tf import atomic_write, exit_status  # noqa: E402
from sfmlearner_tf.config import EvalConfig  # noqa: E402
from sfmlearner_tf.evaluation import depth_eval, pose_runs  # noqa: E402
from sfmlearner_tf.flags import define_field_flags, field_help  # noqa: E402
from sfmlearner_tf.run_dir import health_line, read_health  # noqa: E402

DEPTH_FORMATS = ("tfrecords", "kitti_eigen", "folders")
POSE_FORMATS = ("tfrecords",) + pose_runs.DATASET_FORMATS

flags.DEFINE_enum("mode", "depth", ["depth", "pose"], "What to evaluate.")
flags.DEFINE_string("model", None, "Run directory, checkpoint prefix, or (depth only) SavedModel directory.")
flags.DEFINE_string("output_file", "", "JSON file for the results (also: folder of the written trajectories).")
flags.DEFINE_enum("dataset_format", "tfrecords", sorted(set(DEPTH_FORMATS + POSE_FORMATS)),
                  f"Ground truth: depth {DEPTH_FORMATS}, pose {POSE_FORMATS}.")
flags.DEFINE_string("dataset_dir", "", "TFRecord folder, KITTI raw root, KITTI odometry root or TUM sequence folder.")
flags.DEFINE_string("split", "test", "TFRecord split.")
flags.DEFINE_string("test_file_list", "", "kitti_eigen: test list (SfMLearner, monodepth or monodepth2 format).")
flags.DEFINE_string("image_dir", "", "folders: images.")
flags.DEFINE_string("depth_dir", "", "folders: depth maps named like the images (.npy metres or 16-bit .png).")
flags.DEFINE_float("depth_png_scale", 256.0, "folders: a PNG depth value / this = metres.")
define_field_flags(EvalConfig, "eval", names=("min_depth", "max_depth", "median_scaling", "camera_height"))
# Not EvalConfig's default: the right crop depends on --dataset_format, so "auto" picks it.
flags.DEFINE_string("crop", "auto", f"[eval] {field_help(EvalConfig, 'crop')} auto = eigen for kitti_eigen, else none.")
flags.DEFINE_string("sequence", "", "kitti_odom: sequence id, e.g. 09.")
flags.DEFINE_integer("snippet_length", 5, "Raw sequences: frames per ATE snippet (the paper: 5).")
flags.DEFINE_integer("batch_size", 8, "Images per network call.")
flags.DEFINE_integer("max_examples", 0, "Evaluate only the first N snippets / frames (0: all).")
FLAGS = flags.FLAGS


def _fail(message: str) -> None:
    sys.stderr.write(f"evaluate: error: {message}\n")
    sys.exit(exit_status.BAD_SETUP)


def _eval_config() -> EvalConfig:
    crop = FLAGS.crop if FLAGS.crop != "auto" else ("eigen" if FLAGS.dataset_format == "kitti_eigen" else None)
    return EvalConfig(min_depth=FLAGS.min_depth, max_depth=FLAGS.max_depth, crop=crop,
                      median_scaling=FLAGS.median_scaling, camera_height=FLAGS.camera_height)


def _evaluate_depth() -> dict:
    common = dict(eval_config=_eval_config(), batch_size=FLAGS.batch_size)
    if FLAGS.dataset_format == "tfrecords":
        return depth_eval.evaluate_depth_on_dataset(FLAGS.model, FLAGS.dataset_dir, FLAGS.split,
                                                    max_examples=FLAGS.max_examples or None, **common)
    if FLAGS.dataset_format == "kitti_eigen":
        return depth_eval.evaluate_depth_kitti_eigen(FLAGS.model, FLAGS.dataset_dir, FLAGS.test_file_list, **common)
    if FLAGS.dataset_format == "folders":
        return depth_eval.evaluate_depth_folders(FLAGS.model, FLAGS.image_dir, FLAGS.depth_dir,
                                                 FLAGS.depth_png_scale, **common)
    raise ValueError(f"--dataset_format={FLAGS.dataset_format} is not a depth format {DEPTH_FORMATS}")


def _evaluate_pose(trajectory_dir: str) -> dict:
    if FLAGS.dataset_format == "tfrecords":
        return pose_runs.evaluate_pose_on_dataset(FLAGS.model, FLAGS.dataset_dir, FLAGS.split, FLAGS.batch_size,
                                                  FLAGS.max_examples or None, trajectory_dir)
    if FLAGS.dataset_format in pose_runs.DATASET_FORMATS:
        return pose_runs.evaluate_pose_on_raw_sequence(
            FLAGS.model, FLAGS.dataset_format, FLAGS.dataset_dir, FLAGS.sequence, FLAGS.snippet_length,
            FLAGS.batch_size, FLAGS.max_examples or None, trajectory_dir)
    raise ValueError(f"--dataset_format={FLAGS.dataset_format} is not a pose format {POSE_FORMATS}")


def _print_pose(result: dict) -> None:
    snippet = result["snippet"]
    print(f"pose, {result['protocol']}: {snippet['length']}-frame snippets ({snippet['method']})")
    print(f"{'method':>12} {'ATE mean':>9} {'ATE std':>9} {'full ATE':>9} {'RPE t':>9} {'RPE r':>9}")
    for name, values in [("model", result["model"])] + list(result["baselines"].items()):
        full = values.get("full_sequence", {})
        print(f"{name:>12} {values['snippet_ate']['mean']:9.4f} {values['snippet_ate']['std']:9.4f} "
              f"{full.get('ate_rmse', float('nan')):9.4f} {full.get('rpe_trans_rmse', float('nan')):9.4f} "
              f"{full.get('rpe_rot_rmse', float('nan')):9.4f}")


def main(argv):
    if len(argv) > 1:
        _fail(f"unexpected arguments {argv[1:]} (flags take the form --name=value)")
    if not FLAGS.model:
        _fail("--model is required (a run directory, checkpoint prefix or SavedModel)")
    trajectory_dir = os.path.dirname(os.path.abspath(FLAGS.output_file)) if FLAGS.output_file else None
    status = 0
    try:
        if FLAGS.mode == "depth":
            result = _evaluate_depth()
            print(depth_eval.format_depth_result(result))
        else:
            result = _evaluate_pose(trajectory_dir)
            _print_pose(result)
    except depth_eval.NothingToScore as finding:
        sys.stderr.write(f"evaluate: {finding}\n")
        result = {"mode": "depth", "num_images": 0, "problem": str(finding),
                  "camera_height": {"metres": FLAGS.camera_height, "no_ground": finding.no_ground}}
        status = exit_status.FINDING
    except (ValueError, FileNotFoundError) as error:
        _fail(str(error))
    result["model_path"] = FLAGS.model
    result["training_health"] = read_health(FLAGS.model)
    line = health_line(result["training_health"])
    if line:
        print(line)
    if FLAGS.output_file:
        atomic_write.write_text(FLAGS.output_file, json.dumps(result, indent=2, sort_keys=True))
        print(f"wrote {FLAGS.output_file}")
    sys.exit(status)


if __name__ == "__main__":
    app.run(main)

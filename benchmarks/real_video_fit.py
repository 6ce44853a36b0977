"""Depth from real hand-held video: train on the TUM RGB-D clip for a fixed time, score it on the same frames.

    python -m benchmarks.real_video_fit [--minutes=5] [--seeds=0,1,2] [--train_flags=...] [--output_dir=DIR]

Builds TFRecords from the 37-frame TUM fr1/xyz clip in ../shared/data (sensor depth, published
intrinsics), trains with the programs a user runs (`sfmlearner_tf.train --max_seconds`), and
evaluates depth on the same frames with median scaling, beside the constant and mean-map
baselines. This is fitting one short sequence, not generalization: it shows whether the depth
network learns depth that depends on the image from real footage in a CPU budget. Prints one
JSON object (every run, the CPU) and writes `panel.png` (input | sensor depth | prediction) of
the first seed in --output_dir.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from absl import app, flags
from PIL import Image

from benchmarks.machine import machine

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLAGS = flags.FLAGS
flags.DEFINE_string("tum_dir", os.path.join(os.path.dirname(REPO_ROOT), "shared", "data", "tum_fr1_xyz_37"),
                    "A TUM RGB-D sequence folder.")
flags.DEFINE_string("output_dir", "", "Keeps the records, runs and panel here (default: a temporary folder).")
flags.DEFINE_float("minutes", 5.0, "Training time of each run.")
flags.DEFINE_list("seeds", ["0"], "Training seeds, one run each.")
flags.DEFINE_integer("height", 128, "Network input height.")
flags.DEFINE_integer("width", 160, "Network input width.")
flags.DEFINE_integer("frame_stride", 4, "Frames between the frames of a snippet.")
flags.DEFINE_list("train_flags", [], "Extra flags for sfmlearner_tf.train (default: its defaults).")
flags.DEFINE_integer("panel_frames", 4, "Frames in panel.png.")


def _run(args: list[str]) -> None:
    result = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(args[:2])} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def _fit(records: str, run_dir: str, seed: str) -> dict:
    _run(["-m", "sfmlearner_tf.train", f"--dataset_dir={records}", f"--checkpoint_dir={run_dir}",
          f"--height={FLAGS.height}", f"--width={FLAGS.width}", f"--seed={seed}", "--max_steps=1000000",
          f"--max_seconds={FLAGS.minutes * 60}", "--save_every=1000000", "--log_every=50", "--summary_every=500",
          *FLAGS.train_flags])
    depth_json = os.path.join(run_dir, "depth.json")
    _run(["-m", "sfmlearner_tf.evaluate", "--mode=depth", f"--model={run_dir}", f"--dataset_dir={records}",
          "--split=train", f"--output_file={depth_json}"])
    with open(depth_json) as f:
        depth = json.load(f)
    health = depth["training_health"] or {}
    last = health.get("last", {})
    return {
        "seed": int(seed),
        "steps": last.get("step"),
        "abs_rel": depth["model"]["abs_rel"],
        "a1": depth["model"]["a1"],
        "constant_abs_rel": depth["baselines"]["constant"]["abs_rel"],
        "mean_map_abs_rel": depth["baselines"]["mean_map"]["abs_rel"],
        "vs_constant": depth["ratios"]["constant"]["abs_rel"],
        "vs_mean_map": depth["ratios"]["mean_map"]["abs_rel"],
        "collapsed": health.get("status") == "collapsed",
        "dead_fraction_max": max((v for k, v in last.items() if k.startswith("depth/cnv") and v is not None),
                                 default=None),
        "disparity_spread": last.get("depth/spread"),
    }


def _panel(records: str, run_dir: str, path: str) -> None:
    from sfmlearner_tf.config import DataConfig
    from sfmlearner_tf.data import make_dataset
    from sfmlearner_tf.evaluation.image_io import colorize_depth
    from sfmlearner_tf.run_dir import restore_models

    config, depth_net, _ = restore_models(run_dir)
    batch = next(iter(make_dataset(records, "train", DataConfig(batch_size=64, augment=False), config.model,
                                   training=False)))
    picks = np.linspace(0, len(batch["target"]) - 1, FLAGS.panel_frames).round().astype(int)
    rows = []
    for index in picks:
        target = batch["target"][index : index + 1]
        disparity = depth_net(target)[0].numpy()[0, ..., 0]
        gt = batch["gt_depth"].numpy()[index, ..., 0]
        valid = gt > 0
        gt_image = colorize_depth(np.where(valid, gt, gt[valid].max() if valid.any() else 1.0))
        gt_image[~valid] = 0
        rows.append(np.concatenate([np.round((target[0].numpy() + 1) * 127.5).astype(np.uint8), gt_image,
                                    colorize_depth(1.0 / disparity)], axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).save(path)


def main(argv):
    del argv
    if not os.path.isdir(FLAGS.tum_dir):
        sys.exit(f"error: TUM sequence folder {FLAGS.tum_dir} not found (--tum_dir)")
    work = FLAGS.output_dir or tempfile.mkdtemp(prefix="real_video_fit_")
    records = os.path.join(work, "records")
    if not os.path.exists(os.path.join(records, "dataset.json")):
        _run(["-m", "data_prep.build_tfrecords", "--dataset_format=tum", f"--dataset_dir={FLAGS.tum_dir}",
              f"--output_dir={records}", f"--height={FLAGS.height}", f"--width={FLAGS.width}",
              f"--frame_stride={FLAGS.frame_stride}", "--split=train"])
    runs = []
    for seed in FLAGS.seeds:
        run_dir = os.path.join(work, f"run_seed{seed}")
        runs.append(_fit(records, run_dir, seed))
        print(f"seed {seed}: abs_rel {runs[-1]['abs_rel']:.4f} ({runs[-1]['vs_constant']:.3f} x constant, "
              f"{runs[-1]['vs_mean_map']:.3f} x mean map)", file=sys.stderr)
    panel = os.path.join(work, "panel.png")
    _panel(records, os.path.join(work, f"run_seed{FLAGS.seeds[0]}"), panel)
    print(json.dumps({
        "benchmark": "real_video_fit",
        "data": f"{os.path.basename(FLAGS.tum_dir)}, {FLAGS.height}x{FLAGS.width}, frame stride {FLAGS.frame_stride}, "
                "trained and scored on the same frames (median scaling)",
        "minutes_per_run": FLAGS.minutes,
        "train_flags": FLAGS.train_flags,
        "runs": runs,
        "median_vs_constant": float(np.median([r["vs_constant"] for r in runs])),
        "median_vs_mean_map": float(np.median([r["vs_mean_map"] for r in runs])),
        "panel": panel,
        "machine": machine(),
    }, indent=2))


if __name__ == "__main__":
    app.run(main)

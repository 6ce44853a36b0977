"""Depth from real hand-held video, held out in time: train on the start of a TUM RGB-D recording, score its end.

    python -m benchmarks.real_video_fit [--minutes=15] [--seeds=0,1,2] [--train_flags=...] [--output_dir=DIR]
        [--port_dir=~/sfm-pt --port_python=~/ptenv/bin/python]

The protocol of `../shared/peer_bench/pt_train_tum.py`: TFRecords of the first 80 % of the
sequence's frames (128x160, neighbours --frame_stride frames away) to train on for --minutes of
wall time with the programs a user runs (`sfmlearner_tf.train --max_seconds`), and of the last
20 % to score, against the sensor depth (0.1-10 m, median scaling) beside a constant depth and the
model's own mean map. Two differences from the port's script: every frame of the last 20 % that
has both neighbours is scored (the port: every 4th), and at the records' 128x160 (the port
upsamples its prediction to the depth map's 240x320). With --port_dir, the port's script then
runs on the same machine for the same minutes, and its JSON is printed beside ours: compare the
two in one run, never figures of different runs. Prints one JSON object (every run, the CPU) and
writes `panel.png` (held-out input | sensor depth | prediction) of the first seed in --output_dir.
"""

import json
import os
import subprocess
import sys
import tempfile

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.machine import machine  # noqa: E402
from sfmlearner_tf.training.health import SPREAD, depth_stages  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(REPO_ROOT), "shared")
FLAGS = flags.FLAGS
flags.DEFINE_string("tum_dir", os.path.join(SHARED, "data", "tum_fr1_xyz_320x240"), "A TUM RGB-D sequence folder.")
flags.DEFINE_string("output_dir", "", "Keeps the records, runs and panel here (default: a temporary folder).")
flags.DEFINE_float("minutes", 15.0, "Training time of each run.")
flags.DEFINE_list("seeds", ["0"], "Training seeds, one run each.")
flags.DEFINE_integer("height", 128, "Network input height.")
flags.DEFINE_integer("width", 160, "Network input width.")
flags.DEFINE_integer("frame_stride", 4, "Frames between the frames of a snippet.")
flags.DEFINE_float("train_fraction", 0.8, "Train on this first fraction of the frames, score the rest.")
flags.DEFINE_list("train_flags", [], "Extra flags for sfmlearner_tf.train (default: its defaults).")
flags.DEFINE_integer("panel_frames", 4, "Frames in panel.png.")
flags.DEFINE_string("port_dir", "", "A checkout of the PyTorch port (SfmLearner-Pytorch): run its script beside ours.")
flags.DEFINE_string("port_python", os.path.expanduser("~/ptenv/bin/python"), "The Python with torch for --port_dir.")
flags.DEFINE_string("port_script", os.path.join(SHARED, "peer_bench", "pt_train_tum.py"), "The port's training script.")


def _run(args: list[str]) -> None:
    result = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(args[:2])} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def _fit(records: str, heldout: str, run_dir: str, seed: str) -> dict:
    _run(["-m", "sfmlearner_tf.train", f"--dataset_dir={records}", f"--checkpoint_dir={run_dir}",
          f"--height={FLAGS.height}", f"--width={FLAGS.width}", f"--seed={seed}", "--max_steps=1000000",
          f"--max_seconds={FLAGS.minutes * 60}", "--save_every=1000000", "--log_every=50", "--summary_every=500",
          *FLAGS.train_flags])
    depth_json = os.path.join(run_dir, "depth.json")
    _run(["-m", "sfmlearner_tf.evaluate", "--mode=depth", f"--model={run_dir}", f"--dataset_dir={heldout}",
          "--split=test", "--min_depth=0.1", "--max_depth=10", f"--output_file={depth_json}"])
    with open(depth_json) as f:
        depth = json.load(f)
    health = depth["training_health"] or {}
    last = health.get("last", {})
    return {
        "seed": int(seed),
        "steps": last.get("step"),
        "num_images": depth["num_images"],
        "abs_rel": depth["model"]["abs_rel"],
        "a1": depth["model"]["a1"],
        "constant_abs_rel": depth["baselines"]["constant"]["abs_rel"],
        "mean_map_abs_rel": depth["baselines"]["mean_map"]["abs_rel"],
        "vs_constant": depth["ratios"]["constant"]["abs_rel"],
        "vs_mean_map": depth["ratios"]["mean_map"]["abs_rel"],
        "health": health.get("status"),
        "collapse": health.get("collapse"),
        "dead_fraction_max": max((v for v in depth_stages(last).values() if v is not None), default=None),
        "disparity_spread": last.get(SPREAD),
    }


def _port(minutes: float) -> dict:
    """The port's script on the same folder, frame gap and minutes: its one JSON line."""
    env = dict(os.environ, PORT_DIR=os.path.expanduser(FLAGS.port_dir))
    result = subprocess.run([os.path.expanduser(FLAGS.port_python), FLAGS.port_script, FLAGS.tum_dir, f"{minutes:g}",
                             str(FLAGS.frame_stride)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: the port's script failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _panel(records: str, run_dir: str, path: str) -> None:
    from sfmlearner_tf.config import DataConfig
    from sfmlearner_tf.data import make_dataset
    from sfmlearner_tf.inference.image_io import colorize_depth
    from sfmlearner_tf.run_dir import restore_models

    config, depth_net, _ = restore_models(run_dir)
    batch = next(iter(make_dataset(records, "test", DataConfig(batch_size=64, augment=False), config.model,
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
    if FLAGS.port_dir and not os.path.exists(os.path.expanduser(FLAGS.port_python)):
        sys.exit(f"error: {FLAGS.port_python} not found (--port_python; ../shared/peer_bench/README.md sets it up)")
    work = FLAGS.output_dir or tempfile.mkdtemp(prefix="real_video_fit_")
    parts = {"train": (0.0, FLAGS.train_fraction), "test": (FLAGS.train_fraction, 1.0)}
    for split, (start, end) in parts.items():
        records = os.path.join(work, f"records_{split}")
        if not os.path.exists(os.path.join(records, "dataset.json")):
            _run(["-m", "data_prep.build_tfrecords", "--dataset_format=tum", f"--dataset_dir={FLAGS.tum_dir}",
                  f"--output_dir={records}", f"--height={FLAGS.height}", f"--width={FLAGS.width}",
                  f"--frame_stride={FLAGS.frame_stride}", f"--split={split}", f"--frame_range={start}:{end}"])
    train, heldout = os.path.join(work, "records_train"), os.path.join(work, "records_test")
    runs = []
    for seed in FLAGS.seeds:
        run_dir = os.path.join(work, f"run_seed{seed}")
        runs.append(_fit(train, heldout, run_dir, seed))
        print(f"seed {seed}: {runs[-1]['steps']} steps, held-out abs_rel {runs[-1]['abs_rel']:.4f} "
              f"({runs[-1]['vs_constant']:.3f} x constant, {runs[-1]['vs_mean_map']:.3f} x mean map)", file=sys.stderr)
    port = _port(FLAGS.minutes) if FLAGS.port_dir else None
    if port:
        print(f"port: {port.get('steps')} steps, held-out abs_rel {port.get('abs_rel')}", file=sys.stderr)
    panel = os.path.join(work, "panel.png")
    _panel(heldout, os.path.join(work, f"run_seed{FLAGS.seeds[0]}"), panel)
    print(json.dumps({
        "benchmark": "real_video_fit",
        "data": f"{os.path.basename(FLAGS.tum_dir)}, {FLAGS.height}x{FLAGS.width}, frame stride {FLAGS.frame_stride}, "
                f"trained on the first {FLAGS.train_fraction:.0%} of the frames, scored on the rest against sensor "
                "depth (0.1-10 m, median scaling)",
        "minutes_per_run": FLAGS.minutes,
        "train_flags": FLAGS.train_flags,
        "runs": runs,
        "median_abs_rel": float(np.median([r["abs_rel"] for r in runs])),
        "median_vs_constant": float(np.median([r["vs_constant"] for r in runs])),
        "median_vs_mean_map": float(np.median([r["vs_mean_map"] for r in runs])),
        "port": port,
        "panel": panel,
        "machine": machine(),
    }, indent=2))


if __name__ == "__main__":
    app.run(main)

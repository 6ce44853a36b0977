"""The main job end to end: synthetic world -> TFRecords -> train -> evaluate -> export -> device.

  make demo                      # or: .venv/bin/python -m demo [--flags]
  python -m demo --train_steps=20000 --train_minutes=0 --height=128 --width=416   # go longer, at full size
  python -m demo --dataset_dir=/data/kitti_records --heldout_dir=/data/kitti_test_records

Every stage runs the same command-line program a user would run (printed before it runs) and
leaves its output under --work_dir; a second run reuses every finished stage (`--fresh` redoes
them all). The last stage writes `report.md` and `panel.png` in --work_dir.
"""

import os
import sys
import time

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from data_prep.synthetic_world.trajectory import CAMERA_HEIGHT  # noqa: E402
from demo import report  # noqa: E402
from demo.stages import Stage, StageError, python, run_stage  # noqa: E402
from sfmlearner_tf.config import DataConfig  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("work_dir", "runs/demo", "Where every stage writes its output.")
flags.DEFINE_bool("fresh", False, "Redo every stage instead of reusing finished ones.")
# Half the paper's 128x416 (ModelConfig's), on purpose: the whole demo then fits in minutes on
# two CPU cores (README, 'What the demo shows today'); --height=128 --width=416 for the paper's.
flags.DEFINE_integer("height", 64, "Image height of the world, the records and the networks.")
flags.DEFINE_integer("width", 208, "Image width.")
flags.DEFINE_integer("train_sequences", 8, "Synthetic training sequences.")
flags.DEFINE_integer("heldout_sequences", 2, "Synthetic held-out sequences (never trained on).")
flags.DEFINE_integer("frames_per_sequence", 80, "Frames per synthetic sequence.")
flags.DEFINE_integer("seed", 0, "Seed of the synthetic world (held-out worlds use seed + 1000) and of training.")
# A step budget, not a time limit: the CPUs of one machine type differ by 2-5x in training speed
# (BUILD.md, 'CPU settings'), and a time limit trained 3x fewer steps on the slower one, which then
# did not learn. 1500 steps of the recipe below took 248-274 s with oneDNN off on an AVX-512 CPU and
# 253-273 s with oneDNN on (its default) on an AVX2-only one (README, 'What the demo shows today').
flags.DEFINE_integer("train_steps", 1500, "Training steps.")
flags.DEFINE_float("train_minutes", 0, "Stop training after this many minutes even before --train_steps "
                   "(0: no limit).")
flags.DEFINE_integer("batch_size", DataConfig.batch_size, "Training batch size.")
# The compact depth network with the port's loss (no explainability mask, smoothness 0.1): DispNet's
# deep layers cost 2.5x more per step with oneDNN off, and the later-work
# losses' full-resolution warp doubles the step (docs/training_health.md, 'a demo recipe for the
# slower CPU'). Scale-normalized disparity and gradient clipping make the depth depend on the image;
# the logit-range term keeps the trained network exportable to int8 (BUILD.md, "int8 fidelity").
flags.DEFINE_list("train_flags",
                  ["--depth_net=mobile", "--explain_weight=0", "--smooth_weight=0.1", "--learning_rate=5e-4",
                   "--logit_range_weight=0.01", "--normalize_disparity", "--clip_grad_norm=1"],
                  "Flags for sfmlearner_tf.train, e.g. --train_flags= for the paper's network, loss and learning "
                  "rate, or --train_flags=--flagfile=configs/monodepth2_losses.flags for the later-work losses.")
flags.DEFINE_string("dataset_dir", "", "Train on these TFRecords (train/val splits) instead of the synthetic world.")
flags.DEFINE_string("heldout_dir", "", "With --dataset_dir: TFRecords of the held-out split 'test' to evaluate on.")
flags.DEFINE_float("camera_height", None, f"Metres from the camera to the ground, for depth in metres without ground "
                   f"truth (evaluate --camera_height). Default: the synthetic world's {CAMERA_HEIGHT} m; none with "
                   "--dataset_dir.")
flags.DEFINE_integer("num_threads", 2, "Interpreter threads for the TFLite latency figures.")
flags.DEFINE_integer("panel_frames", 4, "Held-out frames shown in panel.png.")

QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")
RUNTIME_PYTHON = os.path.join(".venv-runtime", "bin", "python")


def _stages(work: str) -> list[Stage]:
    size = [f"--height={FLAGS.height}", f"--width={FLAGS.width}"]
    world, records = os.path.join(work, "world"), os.path.join(work, "records")
    train_records = FLAGS.dataset_dir or os.path.join(records, "train")
    heldout_records = FLAGS.heldout_dir or os.path.join(records, "heldout")
    run_dir, export_dir = os.path.join(work, "train"), os.path.join(work, "export")
    eval_dir, device_dir = os.path.join(work, "eval"), os.path.join(work, "device")
    saved_model = os.path.join(export_dir, "saved_model")
    stages = []
    if not FLAGS.dataset_dir:
        worlds = {"train": (FLAGS.train_sequences, FLAGS.seed), "heldout": (FLAGS.heldout_sequences, FLAGS.seed + 1000)}
        stages.append(Stage(
            "synthetic world",
            [python("data_prep.synthetic", f"--output_dir={os.path.join(world, name)}", "--overwrite",
                    f"--num_sequences={count}", f"--frames_per_sequence={FLAGS.frames_per_sequence}",
                    f"--seed={seed}", *size) for name, (count, seed) in worlds.items()],
            [os.path.join(world, name, "world.json") for name in worlds]))
        stages.append(Stage(
            "TFRecords",
            # --overwrite: the stage only runs when its outputs are missing or with --fresh.
            [python("data_prep.build_tfrecords", "--dataset_format=synthetic", "--overwrite",
                    f"--dataset_dir={os.path.join(world, 'train')}", f"--output_dir={train_records}", *size),
             python("data_prep.build_tfrecords", "--dataset_format=synthetic", "--split=test", "--overwrite",
                    f"--dataset_dir={os.path.join(world, 'heldout')}", f"--output_dir={heldout_records}", *size)],
            [os.path.join(train_records, "dataset.json"), os.path.join(heldout_records, "dataset.json")]))
    final_checkpoint = os.path.join(run_dir, "done")
    stages.append(Stage(
        "train",
        [python("sfmlearner_tf.train", f"--dataset_dir={train_records}", f"--checkpoint_dir={run_dir}",
                f"--max_steps={FLAGS.train_steps}", f"--batch_size={FLAGS.batch_size}", *size,
                f"--max_seconds={60 * FLAGS.train_minutes:g}", "--save_every=500", "--summary_every=250",
                "--log_every=50", f"--seed={FLAGS.seed}", *FLAGS.train_flags),
         [sys.executable, "-c", f"open({final_checkpoint!r}, 'w').close()"]],
        [final_checkpoint], resumable=[run_dir]))
    evaluate = ["--model=" + run_dir, f"--dataset_dir={heldout_records}", "--split=test"]
    commands = [
        python("sfmlearner_tf.evaluate", "--mode=depth", *evaluate, f"--output_file={os.path.join(eval_dir, 'depth.json')}"),
        python("sfmlearner_tf.evaluate", "--mode=pose", *evaluate, f"--output_file={os.path.join(eval_dir, 'pose.json')}")]
    outputs = [os.path.join(eval_dir, "depth.json"), os.path.join(eval_dir, "pose.json")]
    camera_height = CAMERA_HEIGHT if FLAGS.camera_height is None and not FLAGS.dataset_dir else FLAGS.camera_height
    if camera_height:
        outputs.append(os.path.join(eval_dir, report.METRIC_DEPTH_FILE))
        commands.append(python("sfmlearner_tf.evaluate", "--mode=depth", *evaluate, f"--camera_height={camera_height:g}",
                               f"--output_file={outputs[-1]}"))
    stages.append(Stage("evaluate", commands, outputs, allows_findings=True))
    tflite = {q: os.path.join(export_dir, f"depth_{q}.tflite") for q in QUANTIZATIONS}
    stages.append(Stage(
        "export",
        [python("export.saved_model", f"--checkpoint_dir={run_dir}", f"--output_dir={saved_model}", "--overwrite")]
        + [python("export.tflite", f"--saved_model_dir={saved_model}", f"--quantization={q}", f"--output_file={path}",
                  f"--representative_dataset={train_records}", f"--num_threads={FLAGS.num_threads}")
           for q, path in tflite.items()],
        list(tflite.values()), allows_findings=True))
    frames_dir = os.path.join(device_dir, "input")
    stages.append(Stage(
        "int8 on the device runtime (no TensorFlow)",
        [python("demo.heldout_frames", f"--dataset_dir={heldout_records}", f"--output_dir={frames_dir}",
                f"--count={FLAGS.panel_frames}"),
         [RUNTIME_PYTHON, "export/lite_runtime.py", f"--model={tflite['int8']}", f"--input={frames_dir}",
          f"--output_dir={os.path.join(device_dir, 'output')}", f"--num_threads={FLAGS.num_threads}"]],
        [os.path.join(device_dir, "output")]))
    return stages


def main(argv):
    del argv
    work = FLAGS.work_dir
    os.makedirs(work, exist_ok=True)
    if FLAGS.dataset_dir and not FLAGS.heldout_dir:
        sys.exit("demo: error: --dataset_dir needs --heldout_dir (TFRecords with a 'test' split)")
    if not os.path.exists(RUNTIME_PYTHON):
        sys.exit(f"demo: error: {RUNTIME_PYTHON} is missing: run `make demo`, which creates it")
    timings: dict = {}
    start = time.monotonic()
    try:
        for stage in _stages(work):
            run_stage(stage, FLAGS.fresh, timings)
    except StageError as error:
        sys.exit(f"demo: error: {error}")
    timings["total"] = time.monotonic() - start
    report_path, panel_path = report.write(work, timings, FLAGS.train_steps)
    print(f"\nreport: {report_path}\npanel:  {panel_path}")


if __name__ == "__main__":
    app.run(main)

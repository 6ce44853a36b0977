"""Depth in metres from the camera's height, against the same model median-scaled.

    python -m benchmarks.metric_scale --model=RUN --dataset_dir=RECORDS [--split=test] [--camera_height=1.65]

Evaluates one model on records with ground-truth depth and intrinsics (the synthetic world's
camera is 1.65 m above a flat road) twice: with per-image median scaling (the monocular
protocol, which borrows the ground truth's scale) and with each prediction scaled to metres by
its own ground plane (`evaluate --camera_height`), which uses no ground truth. Prints JSON:

- `median_scaled`, `metric`: abs_rel, δ<1.25 and the ratios to the constant and mean-map baselines;
- `metric_over_median_scaled`: metric abs_rel / median-scaled abs_rel (1 = the ground plane's scale
  is as good as the ground truth's);
- `median_gt_over_pred`: over images, the median of median(gt) / median(metric prediction);
- `scale`: the per-image scales' median, range and relative std, the ground pixels, and how many
  images had no visible ground;
- `machine`: the CPU it ran on.
"""

import json
import sys

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from benchmarks.machine import machine  # noqa: E402
from sfmlearner_tf.config import EvalConfig  # noqa: E402
from sfmlearner_tf.evaluation.depth_eval import evaluate_depth_on_dataset  # noqa: E402
from sfmlearner_tf.inference.predict import load_depth_model  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("model", "", "Run directory, checkpoint prefix or SavedModel.")
flags.DEFINE_string("dataset_dir", "", "TFRecords with gt_depth (their intrinsics give each image's K).")
flags.DEFINE_string("split", "test", "The split to evaluate.")
flags.DEFINE_float("camera_height", 1.65, "Metres from the camera down to the ground (the synthetic world's: 1.65).")


def _summary(result: dict) -> dict:
    return {"abs_rel": result["model"]["abs_rel"], "a1": result["model"]["a1"],
            "vs_constant": result["ratios"]["constant"]["abs_rel"], "vs_mean_map": result["ratios"]["mean_map"]["abs_rel"],
            "num_images": result["num_images"]}


def main(argv):
    del argv
    if not FLAGS.model or not FLAGS.dataset_dir:
        sys.stderr.write("metric_scale: error: --model and --dataset_dir are required\n")
        sys.exit(2)
    try:
        model = load_depth_model(FLAGS.model)
        median_scaled = evaluate_depth_on_dataset(model, FLAGS.dataset_dir, FLAGS.split, show_progress=False)
        metric = evaluate_depth_on_dataset(model, FLAGS.dataset_dir, FLAGS.split, show_progress=False,
                                           eval_config=EvalConfig(camera_height=FLAGS.camera_height))
    except (ValueError, FileNotFoundError) as error:
        sys.stderr.write(f"metric_scale: error: {error}\n")
        sys.exit(2)
    height = metric["camera_height"]
    print(json.dumps({
        "model": FLAGS.model,
        "dataset_dir": FLAGS.dataset_dir,
        "split": FLAGS.split,
        "camera_height": FLAGS.camera_height,
        "median_scaled": _summary(median_scaled),
        "metric": _summary(metric),
        "metric_over_median_scaled": metric["model"]["abs_rel"] / median_scaled["model"]["abs_rel"],
        "median_gt_over_pred": metric["scale_check"]["median_gt_over_pred"],
        "scale": {**height["scale"], "ground_pixels": height["ground_pixels"],
                  "images_without_ground": len(height["no_ground"])},
        "machine": machine(),
    }, indent=2))


if __name__ == "__main__":
    app.run(main)

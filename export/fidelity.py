"""The fidelity report of a .tflite depth model: size, LiteRT latency, agreement with Keras and GT.

Agreement with the float Keras model is the median-scaled abs_rel between the two depth maps
(`mean |s * d_lite - d_keras| / d_keras`, `s = median(d_keras) / median(d_lite)`), averaged over
held-out frames; monocular depth is defined up to scale, so a global factor is no error. Where the
records carry ground truth, both models are also scored against it with
`sfmlearner_tf.evaluation.depth_metrics.compute_depth_metrics` (the evaluation's protocol).
"""

import json
import os
import statistics
import time
from typing import Optional, Sequence

import numpy as np
import tensorflow as tf

from export.frames import Frame
from export.lite_runtime import LiteDepthModel
from export.saved_model_lib import SERVING_SIGNATURE
from sfmlearner_tf import atomic_write


def measure_latency(model: LiteDepthModel, image: np.ndarray, runs: int = 20, warmup: int = 3) -> float:
    """Median milliseconds of `interpreter.invoke()` alone (input already set), after warm-up."""
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    model(image)
    for _ in range(warmup):
        model.interpreter.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        model.interpreter.invoke()
        times.append(1000.0 * (time.perf_counter() - start))
    return statistics.median(times)


def median_scaled_abs_rel(reference: np.ndarray, prediction: np.ndarray) -> float:
    """reference, prediction: positive float [H, W] depth maps -> mean relative error after scaling."""
    reference = np.asarray(reference, np.float64)
    prediction = np.asarray(prediction, np.float64)
    scaled = prediction * (np.median(reference) / np.median(prediction))
    return float(np.mean(np.abs(scaled - reference) / reference))


def _gt_metrics(gt_depth: np.ndarray, depth: np.ndarray) -> Optional[dict]:
    try:
        from sfmlearner_tf.evaluation.depth_metrics import compute_depth_metrics
    except ImportError:
        return None
    resized = tf.image.resize(depth[None, :, :, None], gt_depth.shape[:2], method="bilinear")[0, :, :, 0]
    return {name: float(value) for name, value in compute_depth_metrics(gt_depth, resized.numpy()).items()}


def _mean_metrics(per_frame: list[dict]) -> dict:
    return {name: float(np.mean([m[name] for m in per_frame])) for name in per_frame[0]}


def fidelity_report(tflite_path: str, saved_model_dir: str, frames: Sequence[Frame], quantization: str,
                    num_threads: int = 2, runs: int = 20) -> dict:
    """Measures one .tflite file against the SavedModel's `serving_default` (the Keras model).

    Args:
      tflite_path: the converted depth model.
      saved_model_dir: the SavedModel it was converted from.
      frames: held-out frames at the model's input size (uint8 [H, W, 3], optional GT depth).
      quantization: the format's name, recorded in the report.
      num_threads: LiteRT interpreter threads (XNNPACK, the default delegate).
      runs: timed invocations after 3 warm-up ones.
    """
    if not frames:
        raise ValueError("the fidelity report needs at least one held-out frame")
    serve = tf.saved_model.load(saved_model_dir).signatures[SERVING_SIGNATURE]
    model = LiteDepthModel(tflite_path, num_threads=num_threads)
    abs_rels, lite_gt, keras_gt = [], [], []
    for frame in frames:
        keras_depth = serve(image=tf.constant(frame.image[None]))["depth"].numpy()[0, :, :, 0]
        lite_depth, _ = model(frame.image)
        abs_rels.append(median_scaled_abs_rel(keras_depth, lite_depth))
        if frame.gt_depth is not None:
            for scores, depth in ((lite_gt, lite_depth), (keras_gt, keras_depth)):
                metrics = _gt_metrics(frame.gt_depth, depth)
                if metrics is not None:
                    scores.append(metrics)
    report = {
        "quantization": quantization,
        "file": os.path.abspath(tflite_path),
        "size_bytes": os.path.getsize(tflite_path),
        "input": f"{model.height}x{model.width}",
        "num_threads": num_threads,
        "latency_ms_median": measure_latency(model, frames[0].image, runs=runs),
        "latency_runs": runs,
        "num_images": len(frames),
        "abs_rel_vs_keras": float(np.mean(abs_rels)),
        "abs_rel_vs_keras_max": float(np.max(abs_rels)),
    }
    if lite_gt:
        report["gt_metrics_tflite"] = _mean_metrics(lite_gt)
        report["gt_metrics_keras"] = _mean_metrics(keras_gt)
    return report


# export.tflite's default guard: above this mean abs_rel against the Keras depth, a file is not the
# trained network (BUILD.md, "int8 fidelity").
MAX_ABS_REL_VS_KERAS = 0.1


def agreement_problem(report: dict, max_abs_rel_vs_keras: float = MAX_ABS_REL_VS_KERAS) -> Optional[str]:
    """Why a converted model is unfit to ship, or None.

    A quantized network can come out of conversion computing something else than the network
    that was trained: a run whose decoder activations grew to hundreds gave int8 depth 41 %
    away from its Keras model's (BUILD.md, "int8 fidelity"). The file is still valid, so only the
    report can tell; this turns its number into a verdict and names the remedies.

    Args:
      report: from `fidelity_report` (without held-out frames it has no agreement, and passes).
      max_abs_rel_vs_keras: the largest acceptable mean `abs_rel_vs_keras`; <= 0 accepts any.
    """
    abs_rel = report.get("abs_rel_vs_keras")
    if abs_rel is None or max_abs_rel_vs_keras <= 0 or abs_rel <= max_abs_rel_vs_keras:
        return None
    return (
        f"{report['file']}: {report['quantization']} depth differs from the Keras model's by abs_rel "
        f"{abs_rel:.4f} (worst frame {report['abs_rel_vs_keras_max']:.4f}) on {report['num_images']} held-out "
        f"frames, above the accepted {max_abs_rel_vs_keras}. The file and its report are kept for inspection, "
        "but this model does not compute the network that was trained. Train with "
        "--logit_range_weight=0.01, which keeps the network's activations within int8's reach, or use a "
        "format with float activations (float16, float32); see BUILD.md, 'int8 fidelity'."
    )


def format_table(report: dict) -> str:
    """A short human-readable table of a report (the JSON has everything)."""
    rows = [
        ("format", report["quantization"]),
        ("size", f"{report['size_bytes'] / 2**20:.2f} MiB ({report['size_bytes']} bytes)"),
        ("latency", f"{report['latency_ms_median']:.1f} ms median of {report['latency_runs']}, "
                    f"{report['num_threads']} threads, {report['input']}"),
    ]
    if "abs_rel_vs_keras" in report:
        rows.append(("abs_rel vs Keras", f"{report['abs_rel_vs_keras']:.5f} mean, "
                                         f"{report['abs_rel_vs_keras_max']:.5f} max over {report['num_images']} "
                                         "held-out images (median-scaled)"))
    if "gt_metrics_tflite" in report:
        lite, keras = report["gt_metrics_tflite"], report["gt_metrics_keras"]
        rows.append(("abs_rel vs GT", f"{lite['abs_rel']:.4f} (Keras {keras['abs_rel']:.4f})"))
        rows.append(("a1 vs GT", f"{lite['a1']:.4f} (Keras {keras['a1']:.4f})"))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def write_report(report: dict, path: str) -> None:
    """Writes the report as JSON, atomically."""
    atomic_write.write_text(path, json.dumps(report, indent=2, sort_keys=True))

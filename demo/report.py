"""The demo's report: `report.md` (metrics beside their baselines, formats) and `panel.png`.

The panel shows, for a few held-out frames, one row each:
input | ground-truth depth | Keras depth | int8 TFLite depth (device runtime) | explainability mask
(black, and titled so, when the run trained without one).
Depths are drawn as colourized disparity, each normalized on its own (monocular depth has no
metric scale, so only the structure is comparable); black in the ground truth = no depth.
"""

import json
import os
from typing import Optional

import numpy as np
from PIL import Image, ImageDraw

from demo.heldout import SELECTION_FILE, select_snippets
from export.fidelity import agreement_problem
from sfmlearner_tf.evaluation.depth_metrics import DEPTH_METRIC_NAMES
from sfmlearner_tf.inference.image_io import colorize_depth
from sfmlearner_tf.run_dir import health_line, read_health, resolve_checkpoint, restore_models

COLUMNS = ("input", "ground truth", "Keras depth", "int8 TFLite depth", "explainability")
# The depth evaluation in metres from the camera's height (evaluate --camera_height), when run.
METRIC_DEPTH_FILE = "depth_metres.json"
QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")
DEVICE_DEPTH_PNG_SCALE = 256.0


def _load_json(path: str):
    with open(path) as f:
        return json.load(f)


def _depth_table(depth: dict, metres: Optional[dict] = None) -> list[str]:
    names = list(depth.get("metric_names", DEPTH_METRIC_NAMES))
    lines = ["| depth (held-out, median-scaled) | " + " | ".join(names) + " |",
             "|---" * (len(names) + 1) + "|"]
    rows = [("model", depth["model"])] + [(f"baseline: {name}", values) for name, values in depth["baselines"].items()]
    if metres and "model" in metres:
        rows.append((f"model in metres, from the camera height ({metres['camera_height']['metres']:g} m), "
                     "not median-scaled", metres["model"]))
        rows.append((f"baseline: constant {metres['baselines']['constant']['depth']:.3g} m (the model's median "
                     "depth in metres, no ground truth)", metres["baselines"]["constant"]))
    for label, values in rows:
        lines.append(f"| {label} | " + " | ".join(f"{values[name]:.3f}" for name in names) + " |")
    return lines


def _metres_sentence(depth: dict, metres: dict) -> str:
    if "problem" in metres:  # evaluate's finding: no prediction showed the ground
        return f"**In metres, from the camera height: nothing could be scored.** {metres['problem']}."
    height = metres["camera_height"]
    scale = height["scale"]
    model, check = metres["model"], metres["scale_check"]
    return (f"In metres, each map scaled by its own ground plane and the camera's height (no ground truth used): "
            f"abs_rel {model['abs_rel']:.3f} ({model['abs_rel'] / depth['model']['abs_rel']:.2f} × the median-scaled "
            f"model's), δ<1.25 {model['a1']:.3f} (against {depth['model']['a1']:.3f}), log_mae {model['log_mae']:.3f} "
            f"(against {depth['model']['log_mae']:.3f}: symmetric in too near and too far); median of "
            f"median(gt) / median(prediction) {check['median_gt_over_pred']:.3f} (10–90 % of images "
            f"{check['p10']:.3f}–{check['p90']:.3f}); per-image scales {scale['min']:.3g}–{scale['max']:.3g} "
            f"(relative std {scale['relative_std']:.3f}); {len(height['no_ground'])} image(s) without visible ground, "
            "scored at the median scale.")


def _pose_table(pose: dict) -> list[str]:
    lines = ["| pose (held-out) | snippet ATE mean ± std | full-sequence ATE | RPE trans (RMSE) | RPE rot (RMSE, rad) |",
             "|---|---|---|---|---|"]
    rows = [("model", pose["model"])] + [(f"baseline: {name}", values) for name, values in pose["baselines"].items()]
    for label, values in rows:
        ate = values["snippet_ate"]
        full = values.get("full_sequence", {})
        cells = [f"{ate['mean']:.4f} ± {ate['std']:.4f}"] + [
            f"{full[key]:.4f}" if key in full else "–" for key in ("ate_rmse", "rpe_trans_rmse", "rpe_rot_rmse")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _format_table(export_dir: str) -> list[str]:
    lines = ["| format | file size (MB) | latency (ms) | abs_rel vs Keras | abs_rel vs ground truth | fit to ship |",
             "|---|---|---|---|---|---|"]
    problems = []
    for quantization in QUANTIZATIONS:
        path = os.path.join(export_dir, f"depth_{quantization}.fidelity.json")
        if not os.path.exists(path):
            continue
        fidelity = _load_json(path)
        gt = fidelity.get("gt_metrics_tflite", {}).get("abs_rel")
        # The export guard's verdict (export.tflite exits with a finding above it).
        problem = agreement_problem(fidelity)
        if problem:
            problems.append(f"**{quantization}:** {problem}")
        lines.append(
            f"| {quantization} | {fidelity['size_bytes'] / 1e6:.1f} | {fidelity['latency_ms_median']:.1f} | "
            f"{fidelity['abs_rel_vs_keras']:.4f} | {'–' if gt is None else f'{gt:.4f}'} | "
            f"{'no' if problem else 'yes'} |")
    return lines + ([""] + problems if problems else [])


def _gray(mask: np.ndarray) -> np.ndarray:
    return np.repeat(np.round(np.clip(mask, 0, 1) * 255).astype(np.uint8)[..., None], 3, axis=-1)


def _gt_image(gt: np.ndarray) -> np.ndarray:
    valid = gt > 0
    image = colorize_depth(np.where(valid, gt, np.max(gt[valid]) if valid.any() else 1.0))
    image[~valid] = 0
    return image


def make_panel(work_dir: str, path: str) -> str:
    run_dir = os.path.join(work_dir, "train")
    heldout = _load_json(os.path.join(work_dir, "device", "input", SELECTION_FILE))
    snippets = select_snippets(heldout["dataset_dir"], heldout["count"])
    _, depth_net, pose_net = restore_models(run_dir)
    disparity = depth_net(snippets["target"])[0].numpy()[..., 0]
    masks = pose_net(snippets["target"], snippets["sources"]).get("masks")
    rows = []
    for index, target in enumerate(snippets["target"]):
        # The device runtime's 16-bit PNG stores depth × DEVICE_DEPTH_PNG_SCALE.
        device_png = os.path.join(work_dir, "device", "output", f"{index:03d}_depth.png")
        device_depth = np.asarray(Image.open(device_png), np.float32) / DEVICE_DEPTH_PNG_SCALE
        cells = [
            np.round((target + 1.0) * 127.5).astype(np.uint8),
            _gt_image(snippets["gt_depth"][index, ..., 0]) if "gt_depth" in snippets else np.zeros_like(target, np.uint8),
            colorize_depth(1.0 / disparity[index]),
            colorize_depth(np.squeeze(device_depth)),
            # The least explainable source at each pixel: where any source fails to explain it.
            _gray(masks[0].numpy()[index].min(axis=-1)) if masks is not None else np.zeros_like(target, np.uint8),
        ]
        rows.append(np.concatenate(cells, axis=1))
    width = rows[0].shape[1] // len(COLUMNS)
    header = Image.new("RGB", (rows[0].shape[1], 16), "white")
    draw = ImageDraw.Draw(header)
    titles = COLUMNS if masks is not None else COLUMNS[:-1] + (f"{COLUMNS[-1]} (off in this run)",)
    for column, title in enumerate(titles):
        draw.text((column * width + 4, 2), title, fill="black")
    panel = np.concatenate([np.asarray(header)] + rows, axis=0)
    Image.fromarray(panel).save(path)
    return path


def _trained_steps(run_dir: str) -> int:
    """The step of a run's latest checkpoint (CheckpointManager numbers them by step: `ckpt-<step>`)."""
    _, prefix = resolve_checkpoint(run_dir)
    return int(prefix.rsplit("-", 1)[1])


def write(work_dir: str, timings: dict, train_steps: int) -> tuple[str, str]:
    panel_path = make_panel(work_dir, os.path.join(work_dir, "panel.png"))
    depth = _load_json(os.path.join(work_dir, "eval", "depth.json"))
    metres_path = os.path.join(work_dir, "eval", METRIC_DEPTH_FILE)
    metres = _load_json(metres_path) if os.path.exists(metres_path) else None
    pose = _load_json(os.path.join(work_dir, "eval", "pose.json"))
    steps = _trained_steps(os.path.join(work_dir, "train"))
    lines = ["# sfmlearner_tf demo report", "",
             "Trained on the synthetic world, evaluated on held-out sequences it never saw.", ""]
    if steps < train_steps:
        lines += [f"**Training stopped at the demo's time limit (`--train_minutes`) after {steps} of {train_steps} "
                  "steps**: the figures below are those of a shorter training than the demo's own (`--train_minutes=0` "
                  "trains every step).", ""]
    else:
        lines += [f"Trained {steps} steps.", ""]
    health = read_health(os.path.join(work_dir, "train"))
    line = health_line(health)
    if line:
        lines += [f"**{line}.**" if health["status"] == "collapsed" else f"{line[0].upper()}{line[1:]}.", ""]
    lines += _depth_table(depth, metres) + [""]
    ratios = depth["ratios"]
    lines += [f"Depth abs_rel is {ratios['constant']['abs_rel']:.2f} × the constant-depth baseline's and "
              f"{ratios['mean_map']['abs_rel']:.2f} × the mean-map baseline's (the model's own mean prediction "
              "used for every image: about 1 when its depth does not depend on the image).", ""]
    if metres:
        lines += [_metres_sentence(depth, metres), ""]
    lines += _pose_table(pose) + [""]
    lines += ["## Exported depth network", ""] + _format_table(os.path.join(work_dir, "export")) + [""]
    lines += ["![panel](panel.png)", "", "Columns: " + " | ".join(COLUMNS) + ".", "",
              "## Time per stage (s)", "", "| stage | seconds |", "|---|---|"]
    lines += [f"| {name} | {'reused' if seconds is None else f'{seconds:.0f}'} |" for name, seconds in timings.items()]
    report_path = os.path.join(work_dir, "report.md")
    with open(report_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return report_path, panel_path

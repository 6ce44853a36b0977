"""Depth error metrics of the KITTI Eigen protocol (Eigen et al. 2014), in numpy.

Per image: keep pixels with `min_depth < gt < max_depth` inside the crop, optionally scale the
prediction by median(gt) / median(pred) over those pixels (monocular depth is known only up to
scale), clip the prediction to [min_depth, max_depth], then

    abs_rel  = mean(|gt - pred| / gt)
    sq_rel   = mean((gt - pred)^2 / gt)
    rmse     = sqrt(mean((gt - pred)^2))
    rmse_log = sqrt(mean((log gt - log pred)^2))
    a_k      = mean(max(gt / pred, pred / gt) < 1.25^k),  k = 1, 2, 3
    log_mae  = mean(|log pred - log gt|)
    silog    = sqrt(mean(d^2) - mean(d)^2),  d = log pred - log gt

abs_rel penalises a map that is too near less than one that is too far (a map at half the true
depth scores 0.5, one at twice 1.0), so a scale that is off flatters it in one direction; log_mae
is symmetric (log 2 either way), and silog ignores the scale altogether (the spread of the
per-pixel log ratio): beside each other they tell a wrong scale from a wrong shape.

A dataset's numbers are the means of the per-image numbers.
"""

from typing import Iterable

import numpy as np

# Crop parsing (and the Eigen crop) lives in config.py, where EvalConfig validates its crop with it.
from sfmlearner_tf.config import Crop, EvalConfig, parse_crop

DEPTH_METRIC_NAMES = ("abs_rel", "sq_rel", "rmse", "rmse_log", "a1", "a2", "a3", "log_mae", "silog")


def crop_window(height: int, width: int, crop: Crop) -> tuple[int, int, int, int]:
    """Integer (top, bottom, left, right) of the kept window; bounds truncated like the reference.

    For a 375x1242 KITTI image the Eigen crop is rows [153, 371) and columns [44, 1197).
    """
    fractions = parse_crop(crop)
    if fractions is None:
        return 0, height, 0, width
    top, bottom, left, right = fractions
    return int(top * height), int(bottom * height), int(left * width), int(right * width)


def evaluation_mask(gt: np.ndarray, min_depth: float = EvalConfig.min_depth, max_depth: float = EvalConfig.max_depth,
                    crop: Crop = EvalConfig.crop) -> np.ndarray:
    """bool [H, W]: pixels with valid ground truth inside the crop.

    Args:
      gt: float [H, W], metres, 0 (or anything <= min_depth) where unknown.
    """
    gt = np.asarray(gt)
    if gt.ndim != 2:
        raise ValueError(f"ground-truth depth must be [H, W], got shape {gt.shape}")
    mask = (gt > min_depth) & (gt < max_depth)
    top, bottom, left, right = crop_window(gt.shape[0], gt.shape[1], crop)
    window = np.zeros_like(mask)
    window[top:bottom, left:right] = True
    return mask & window


def compute_depth_metrics(
    gt: np.ndarray,
    pred: np.ndarray,
    min_depth: float = EvalConfig.min_depth,
    max_depth: float = EvalConfig.max_depth,
    crop: Crop = EvalConfig.crop,
    median_scaling: bool = EvalConfig.median_scaling,
) -> dict:
    """The metrics of one image (the defaults are `EvalConfig`'s).

    Args:
      gt: float [H, W] ground-truth z-depth in metres, 0 where unknown (sparse or dense).
      pred: float [H, W] predicted z-depth, same size as `gt` (resize before calling).
      min_depth, max_depth: ground truth kept in the open interval; predictions clipped to it.
      crop: None, "eigen" or (top, bottom, left, right) fractions (see `parse_crop`).
      median_scaling: multiply `pred` by median(gt) / median(pred) over the kept pixels.

    Returns:
      dict of numpy float64 keyed by DEPTH_METRIC_NAMES.

    Raises:
      ValueError: shapes differ, or no pixel of `gt` is valid.
    """
    gt = np.asarray(gt, np.float64)
    pred = np.asarray(pred, np.float64)
    if gt.shape != pred.shape:
        raise ValueError(f"prediction shape {pred.shape} differs from ground-truth shape {gt.shape}")
    mask = evaluation_mask(gt, min_depth, max_depth, crop)
    if not mask.any():
        raise ValueError(f"no valid ground-truth pixel in ({min_depth}, {max_depth}) inside crop {crop!r}")
    gt = gt[mask]
    pred = pred[mask]
    if median_scaling:
        pred = pred * (np.median(gt) / np.median(pred))
    pred = np.clip(pred, min_depth, max_depth)

    ratio = np.maximum(gt / pred, pred / gt)
    squared = (gt - pred) ** 2
    log_error = np.log(pred) - np.log(gt)
    return {
        "abs_rel": np.mean(np.abs(gt - pred) / gt),
        "sq_rel": np.mean(squared / gt),
        "rmse": np.sqrt(np.mean(squared)),
        "rmse_log": np.sqrt(np.mean((np.log(gt) - np.log(pred)) ** 2)),
        "a1": np.mean(ratio < 1.25),
        "a2": np.mean(ratio < 1.25**2),
        "a3": np.mean(ratio < 1.25**3),
        "log_mae": np.mean(np.abs(log_error)),
        "silog": np.sqrt(max(np.mean(log_error**2) - np.mean(log_error) ** 2, 0.0)),
    }


class DepthMetricsAccumulator:
    """Running mean of per-image metrics (the protocol averages over images, not pixels)."""

    def __init__(self):
        self._sums = {name: 0.0 for name in DEPTH_METRIC_NAMES}
        self.count = 0

    def add(self, metrics: dict) -> None:
        for name in DEPTH_METRIC_NAMES:
            self._sums[name] += float(metrics[name])
        self.count += 1

    def result(self) -> dict:
        """Mean of every metric (floats) plus `num_images`; NaN metrics when nothing was added."""
        means = {name: (total / self.count if self.count else float("nan")) for name, total in self._sums.items()}
        means["num_images"] = self.count
        return means


def mean_depth_metrics(per_image: Iterable[dict]) -> dict:
    accumulator = DepthMetricsAccumulator()
    for metrics in per_image:
        accumulator.add(metrics)
    return accumulator.result()


def format_depth_table(rows: dict) -> str:
    """A fixed-width table, one row per method: {"model": metrics, "constant": metrics}."""
    header = f"{'method':>12} " + " ".join(f"{name:>9}" for name in DEPTH_METRIC_NAMES)
    lines = [header]
    for method, metrics in rows.items():
        lines.append(f"{method:>12} " + " ".join(f"{float(metrics[name]):9.4f}" for name in DEPTH_METRIC_NAMES))
    return "\n".join(lines)

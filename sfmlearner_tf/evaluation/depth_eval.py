"""Depth evaluation over a dataset: the model and the constant-depth baseline side by side.

Ground truth comes from one of
  * TFRecords with `gt_depth` (`evaluate_depth_on_dataset`, e.g. the synthetic world's test split),
  * KITTI raw Velodyne scans of an Eigen test list (`evaluate_depth_kitti_eigen`),
  * a folder of depth maps paired by name with a folder of images (`evaluate_depth_folders`).
Each returns the same dict (see `DepthEvaluation.result`), ready for JSON.

Two baselines stand beside the model:
  * `constant` predicts one depth everywhere; median scaling turns it into the image's
    ground-truth median, so it is always evaluated with median scaling whatever the model uses;
  * `mean_map` is the model's own mean prediction over the evaluated images, used as one fixed
    prediction for every image (with median scaling, each prediction is divided by its median
    before the mean, so the map has no scale of its own). A model whose depth does not depend on
    its input scores the same as its mean map (DESIGN.md, 'Training health'); `ratios` give
    model / baseline for every metric.
"""

import dataclasses
import os
from typing import Optional, Union

import numpy as np

from sfmlearner_tf.config import DataConfig, EvalConfig, ModelConfig
from sfmlearner_tf.data import make_dataset
from sfmlearner_tf.data.dataset_info import read_dataset_info
from sfmlearner_tf.evaluation import depth_metrics, image_io, kitti
from sfmlearner_tf.evaluation.predict import DepthModel, load_depth_model, predict_depth_at_input_size
from sfmlearner_tf.image_range import to_uint8
from sfmlearner_tf.progress_bar import ProgressBar

# The KITTI Eigen protocol's settings: the Eigen crop, the other settings EvalConfig's defaults.
KITTI_EIGEN = EvalConfig(crop="eigen")


class DepthEvaluation:
    """Accumulates per-image metrics of the model and of the constant baseline."""

    def __init__(self, eval_config: EvalConfig = EvalConfig(), protocol: str = "generic"):
        self.eval_config = eval_config
        # The settings as recorded in the result's JSON (crop parsed into fractions or None).
        self.settings = dataclasses.asdict(eval_config)
        self.protocol = protocol
        self.model = depth_metrics.DepthMetricsAccumulator()
        self.constant = depth_metrics.DepthMetricsAccumulator()
        self.skipped = []
        # For the mean-map baseline: the sum of the predictions at the first one's size, and each
        # image's ground truth kept as (shape, indices, values) of its evaluated pixels only.
        self._prediction_sum = None
        self._ground_truths = []

    def _metrics(self, gt: np.ndarray, pred: np.ndarray, median_scaling: bool) -> dict:
        config = self.eval_config
        return depth_metrics.compute_depth_metrics(
            gt, pred, config.min_depth, config.max_depth, config.crop, median_scaling)

    def add(self, gt: np.ndarray, pred: np.ndarray, name: str = "") -> bool:
        """One image: gt float [H, W] (0 = unknown), pred float [h, w] (resized bilinearly to [H, W]).

        Returns False (and records the name) when the image has no valid ground truth.
        """
        gt = np.asarray(gt, np.float32)
        pred = np.asarray(pred, np.float32)
        config = self.eval_config
        mask = depth_metrics.evaluation_mask(gt, config.min_depth, config.max_depth, config.crop)
        if not mask.any():
            self.skipped.append(name)
            return False
        resized = image_io.resize_bilinear(pred, gt.shape[0], gt.shape[1])
        self.model.add(self._metrics(gt, resized, config.median_scaling))
        self.constant.add(self._metrics(gt, np.ones_like(gt), True))

        if config.median_scaling:
            pred = pred / max(float(np.median(pred)), 1e-12)
        if self._prediction_sum is None:
            self._prediction_sum = np.zeros_like(pred, np.float64)
        self._prediction_sum += image_io.resize_bilinear(pred, *self._prediction_sum.shape)
        indices = np.flatnonzero(mask)
        self._ground_truths.append((gt.shape, indices, gt.ravel()[indices]))
        return True

    def _mean_map_metrics(self) -> dict:
        mean_map = (self._prediction_sum / len(self._ground_truths)).astype(np.float32)
        accumulator = depth_metrics.DepthMetricsAccumulator()
        for shape, indices, values in self._ground_truths:
            gt = np.zeros(shape, np.float32)
            gt.ravel()[indices] = values
            accumulator.add(self._metrics(gt, image_io.resize_bilinear(mean_map, *shape),
                                          self.eval_config.median_scaling))
        return _without_count(accumulator.result())

    def result(self) -> dict:
        """{"mode", "protocol", "settings", "num_images", "skipped", "metric_names", "model",
        "baselines": {"constant", "mean_map"}, "ratios": {"constant", "mean_map"}}.

        `ratios[b][metric]` is model / baseline b (below 1 is better for the errors, above 1 for
        the a1..a3 accuracies)."""
        if self.model.count == 0:
            raise ValueError(f"no image with valid ground truth was evaluated (skipped {len(self.skipped)})")
        model = self.model.result()
        num_images = model.pop("num_images")
        baselines = {"constant": _without_count(self.constant.result()), "mean_map": self._mean_map_metrics()}
        ratios = {name: {metric: _ratio(model[metric], values[metric]) for metric in depth_metrics.DEPTH_METRIC_NAMES}
                  for name, values in baselines.items()}
        return {
            "mode": "depth",
            "protocol": self.protocol,
            "settings": self.settings,
            "num_images": num_images,
            "skipped": self.skipped,
            "metric_names": list(depth_metrics.DEPTH_METRIC_NAMES),
            "model": model,
            "baselines": baselines,
            "ratios": ratios,
        }


def _without_count(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k != "num_images"}


def _ratio(value: float, reference: float) -> float:
    return float(value / reference) if reference else float("nan")


def _as_model(model: Union[str, DepthModel]) -> DepthModel:
    return load_depth_model(model) if isinstance(model, str) else model


def evaluate_depth_on_dataset(
    model: Union[str, DepthModel],
    dataset_dir: str,
    split: str = "test",
    eval_config: EvalConfig = EvalConfig(),
    batch_size: int = 8,
    max_examples: Optional[int] = None,
    show_progress: bool = True,
) -> dict:
    """Depth metrics of the targets of a TFRecord split that carries `gt_depth`.

    Args:
      model: run directory, checkpoint prefix, SavedModel directory, or a loaded DepthModel.
      dataset_dir, split: a dataset built by `data_prep` with `has_gt_depth`.
      eval_config: depth range, crop and median scaling of the protocol.
      max_examples: evaluate only the first N snippets (None: all).
    """
    info = read_dataset_info(dataset_dir)
    if not info["has_gt_depth"]:
        raise ValueError(f"dataset {dataset_dir!r} has no gt_depth (dataset.json has_gt_depth is false)")
    model = _as_model(model)
    model_config = ModelConfig(height=model.height, width=model.width, seq_length=int(info["seq_length"]))
    dataset = make_dataset(dataset_dir, split, DataConfig(dataset_dir=dataset_dir, batch_size=batch_size, augment=False),
                           model_config, training=False)
    total = info["splits"].get(split, {}).get("num_snippets")
    if max_examples is not None:
        total = min(total, max_examples) if total else max_examples
    evaluation = DepthEvaluation(eval_config, protocol=f"tfrecords:{split}")
    progress = ProgressBar(total, "depth") if show_progress else None
    seen = 0
    for batch in dataset:
        depths = model.predict(to_uint8(batch["target"]).numpy())
        for i, depth in enumerate(depths):
            if max_examples is not None and seen >= max_examples:
                break
            name = f"{batch['sequence'][i].numpy().decode()}:{int(batch['frame_index'][i])}"
            evaluation.add(batch["gt_depth"][i, ..., 0].numpy(), depth, name)
            seen += 1
            if progress:
                progress.update()
        if max_examples is not None and seen >= max_examples:
            break
    if progress:
        progress.close()
    return evaluation.result()


def _evaluate_pairs(model: DepthModel, pairs: list, read_gt, evaluation: DepthEvaluation, batch_size: int,
                    show_progress: bool) -> dict:
    """pairs: [(name, image_path, gt_source)], read_gt(gt_source, image) -> float [H, W]."""
    progress = ProgressBar(len(pairs), "depth") if show_progress else None
    images = (image_io.read_rgb(image_path) for _, image_path, _ in pairs)
    for (name, image_path, gt_source), depth in zip(pairs, predict_depth_at_input_size(model, images, batch_size)):
        evaluation.add(read_gt(gt_source, depth.shape), depth, name)
        if progress:
            progress.update()
    if progress:
        progress.close()
    return evaluation.result()


def evaluate_depth_kitti_eigen(
    model: Union[str, DepthModel],
    dataset_dir: str,
    test_file_list: str,
    eval_config: EvalConfig = KITTI_EIGEN,
    batch_size: int = 8,
    show_progress: bool = True,
) -> dict:
    """The KITTI Eigen protocol: Velodyne ground truth at each image's native size."""
    samples = kitti.read_test_file_list(test_file_list, dataset_dir)
    for sample in samples:
        for path in (sample.image_path, sample.velodyne_path):
            if not os.path.isfile(path):
                raise FileNotFoundError(f"{path} (listed in {test_file_list}) not found")
    pairs = [(os.path.relpath(s.image_path, dataset_dir), s.image_path, s) for s in samples]

    def read_gt(sample: kitti.KittiSample, shape) -> np.ndarray:
        return kitti.generate_depth_map(sample.calib_dir, sample.velodyne_path, shape[0], shape[1], sample.camera)

    evaluation = DepthEvaluation(eval_config, protocol="kitti_eigen")
    return _evaluate_pairs(_as_model(model), pairs, read_gt, evaluation, batch_size, show_progress)


def pair_depth_folders(image_dir: str, depth_dir: str) -> list[tuple[str, str, str]]:
    """[(name, image path, depth path)] for every image whose stem has a `.npy` or `.png` depth map."""
    image_paths = image_io.list_images(image_dir)
    if not os.path.isdir(depth_dir):
        raise FileNotFoundError(f"depth folder {depth_dir} not found")
    depth_files = {os.path.splitext(name)[0]: name for name in sorted(os.listdir(depth_dir))
                   if name.endswith((".npy", ".png"))}
    pairs = []
    for image_path in image_paths:
        stem = os.path.splitext(os.path.basename(image_path))[0]
        if stem in depth_files:
            pairs.append((stem, image_path, os.path.join(depth_dir, depth_files[stem])))
    if not pairs:
        raise ValueError(f"no depth map in {depth_dir} shares a name with an image of {image_dir}")
    return pairs


def evaluate_depth_folders(
    model: Union[str, DepthModel],
    image_dir: str,
    depth_dir: str,
    depth_png_scale: float = 256.0,
    eval_config: EvalConfig = EvalConfig(),
    batch_size: int = 8,
    show_progress: bool = True,
) -> dict:
    """Depth maps (float npy in metres, or 16-bit PNG of metres x `depth_png_scale`) paired by name."""
    pairs = pair_depth_folders(image_dir, depth_dir)

    def read_gt(path: str, shape) -> np.ndarray:
        gt = np.load(path) if path.endswith(".npy") else image_io.read_depth_png(path, depth_png_scale)
        gt = np.squeeze(np.asarray(gt, np.float32))
        if gt.shape != tuple(shape):
            raise ValueError(f"depth map {path} has shape {gt.shape}, its image has {tuple(shape)}")
        return gt

    evaluation = DepthEvaluation(eval_config, protocol="folders")
    return _evaluate_pairs(_as_model(model), pairs, read_gt, evaluation, batch_size, show_progress)


def format_depth_result(result: dict) -> str:
    rows = {"model": result["model"]}
    rows.update(result["baselines"])
    ratios = result["ratios"]
    return (depth_metrics.format_depth_table(rows)
            + f"\nabs_rel: model / constant {ratios['constant']['abs_rel']:.3f}, "
              f"model / mean_map {ratios['mean_map']['abs_rel']:.3f}"
            + f"\n({result['num_images']} images, protocol {result['protocol']})")

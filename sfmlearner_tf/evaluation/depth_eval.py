"""Depth evaluation over a dataset: the model and the constant-depth baseline side by side.

Ground truth comes from one of
  * TFRecords with `gt_depth` (`evaluate_depth_on_dataset`, e.g. the synthetic world's test split),
  * KITTI raw Velodyne scans of an Eigen test list (`evaluate_depth_kitti_eigen`),
  * a folder of depth maps paired by name with a folder of images (`evaluate_depth_folders`).
Each returns the same dict (see `DepthEvaluation.result`), ready for JSON.

Two baselines stand beside the model:
  * `constant` predicts one depth everywhere, scaled like the model: with median scaling it
    becomes each image's ground-truth median; without (a metric model, or the camera height) it
    is one depth for every image, the median over the images of the model's own median depth,
    so that it borrows no ground truth where the model borrows none;
  * `mean_map` is the model's own mean prediction over the evaluated images, used as one fixed
    prediction for every image (with median scaling, each prediction is divided by its median
    before the mean, so the map has no scale of its own). A model whose depth does not depend on
    its input scores the same as its mean map (DESIGN.md, 'Training health'); `ratios` give
    model / baseline for every metric.

With `EvalConfig.camera_height` each prediction is scaled to metres by its own ground plane
(`camera_height.py`) in place of median scaling; the mean map is then made of the metric
predictions. Images whose ground is not visible are scored too, at the median of the other
images' ground-plane scales, and counted (`camera_height.no_ground`): dropping them would score
the model only where its ground plane is easy. Whenever the model is not median-scaled, the
result says how far its scale is off: `scale_check`, the median over images of
median(gt) / median(prediction), and its spread.
"""

import dataclasses
import os
from typing import Optional, Union

import numpy as np

from sfmlearner_tf.config import DataConfig, EvalConfig, ModelConfig
from sfmlearner_tf.data import make_dataset
from sfmlearner_tf.data.dataset_info import read_dataset_info
from sfmlearner_tf.evaluation import depth_metrics, kitti
from sfmlearner_tf.inference import image_io
from sfmlearner_tf.inference.camera_height import ground_scale
from sfmlearner_tf.inference.predict import DepthModel, load_depth_model, predict_depth_at_input_size
from sfmlearner_tf.image_range import to_uint8
from sfmlearner_tf.progress_bar import ProgressBar

# The KITTI Eigen protocol's settings: the Eigen crop, the other settings EvalConfig's defaults.
KITTI_EIGEN = EvalConfig(crop="eigen")


class NothingToScore(ValueError):
    """The evaluation ran but no image could be scored in metres: no prediction showed a ground
    plane (typically a network whose depth is one flat layout). A finding about the model, not a
    bad setup; `no_ground` lists each image with the reason."""

    def __init__(self, message: str, no_ground: list):
        super().__init__(message)
        self.no_ground = no_ground


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
        # Median scaling of the model and its mean map: off for a metric model and with the
        # camera height, which gives each prediction its scale.
        self.median_scaling = eval_config.median_scaling and not eval_config.camera_height
        self.ground_scales = []
        self.no_ground = []
        # With camera_height: (gt, pred, mask) of images without visible ground, scored in result().
        self._awaiting_scale = []
        self._gt_over_pred = []
        self._prediction_medians = []
        # For the baselines: the sum of the predictions at the first one's size, and each
        # image's ground truth kept as (shape, indices, values) of its evaluated pixels only.
        self._prediction_sum = None
        self._ground_truths = []

    def _metrics(self, gt: np.ndarray, pred: np.ndarray, median_scaling: bool) -> dict:
        config = self.eval_config
        return depth_metrics.compute_depth_metrics(
            gt, pred, config.min_depth, config.max_depth, config.crop, median_scaling)

    def add(self, gt: np.ndarray, pred: np.ndarray, name: str = "", intrinsics: Optional[np.ndarray] = None) -> bool:
        """One image: gt float [H, W] (0 = unknown), pred float [h, w] (resized bilinearly to [H, W]).

        `intrinsics` (float [3, 3], K of `pred`'s size) is needed with `camera_height` only; an
        image without visible ground is scored in `result` at the others' median scale.
        Returns False (and records the name) when the image has no valid ground truth.
        """
        gt = np.asarray(gt, np.float32)
        pred = np.asarray(pred, np.float32)
        config = self.eval_config
        mask = depth_metrics.evaluation_mask(gt, config.min_depth, config.max_depth, config.crop)
        if not mask.any():
            self.skipped.append(name)
            return False
        if config.camera_height:
            if intrinsics is None:
                raise ValueError("camera_height needs the intrinsics of each prediction")
            found = ground_scale(pred, intrinsics, config.camera_height)
            if found.scale is None:
                self.no_ground.append({"name": name, "reason": found.reason})
                self._awaiting_scale.append((gt, pred, mask))
                return True
            pred = pred * np.float32(found.scale)
            self.ground_scales.append({"name": name, "scale": found.scale, "ground_pixels": found.ground_pixels})
        self._score(gt, pred, mask)
        return True

    def _score(self, gt: np.ndarray, pred: np.ndarray, mask: np.ndarray) -> None:
        resized = image_io.resize_bilinear(pred, gt.shape[0], gt.shape[1])
        self.model.add(self._metrics(gt, resized, self.median_scaling))
        if self.median_scaling:
            self.constant.add(self._metrics(gt, np.ones_like(gt), True))
            pred = pred / max(float(np.median(pred)), 1e-12)
        else:
            predicted = float(np.median(resized[mask]))
            self._prediction_medians.append(predicted)
            self._gt_over_pred.append(float(np.median(gt[mask])) / max(predicted, 1e-12))
        if self._prediction_sum is None:
            self._prediction_sum = np.zeros_like(pred, np.float64)
        self._prediction_sum += image_io.resize_bilinear(pred, *self._prediction_sum.shape)
        indices = np.flatnonzero(mask)
        self._ground_truths.append((gt.shape, indices, gt.ravel()[indices]))

    def _stored_ground_truths(self):
        for shape, indices, values in self._ground_truths:
            gt = np.zeros(shape, np.float32)
            gt.ravel()[indices] = values
            yield gt

    def _mean_map_metrics(self) -> dict:
        mean_map = (self._prediction_sum / len(self._ground_truths)).astype(np.float32)
        accumulator = depth_metrics.DepthMetricsAccumulator()
        for gt in self._stored_ground_truths():
            accumulator.add(self._metrics(gt, image_io.resize_bilinear(mean_map, *gt.shape), self.median_scaling))
        return _without_count(accumulator.result())

    def _unscaled_constant_metrics(self) -> dict:
        """The constant baseline of a model that is not median-scaled (module docstring)."""
        depth = np.float32(np.median(self._prediction_medians))
        accumulator = depth_metrics.DepthMetricsAccumulator()
        for gt in self._stored_ground_truths():
            accumulator.add(self._metrics(gt, np.full_like(gt, depth), False))
        return {**_without_count(accumulator.result()), "depth": float(depth)}

    def result(self) -> dict:
        """{"mode", "protocol", "settings", "num_images", "skipped", "metric_names", "model",
        "baselines": {"constant", "mean_map"}, "ratios": {"constant", "mean_map"}}, and without
        median scaling "scale_check", with the camera height "camera_height" (`_camera_height`).

        `ratios[b][metric]` is model / baseline b (below 1 is better for the errors, above 1 for
        the a1..a3 accuracies)."""
        if self.no_ground and not self.ground_scales:
            raise NothingToScore(
                f"no depth in metres: none of the {len(self.no_ground)} image(s) with ground truth showed the "
                f"ground to the camera-height scale (first: {self.no_ground[0]['reason']}; {len(self.skipped)} "
                "without valid ground truth)", self.no_ground)
        if self._awaiting_scale:
            median_scale = np.float32(np.median([s["scale"] for s in self.ground_scales]))
            for gt, pred, mask in self._awaiting_scale:
                self._score(gt, pred * median_scale, mask)
            self._awaiting_scale = []
        if self.model.count == 0:
            raise ValueError(f"no image with valid ground truth was evaluated (skipped {len(self.skipped)})")
        model = self.model.result()
        num_images = model.pop("num_images")
        constant = (_without_count(self.constant.result()) if self.median_scaling
                    else self._unscaled_constant_metrics())
        baselines = {"constant": constant, "mean_map": self._mean_map_metrics()}
        ratios = {name: {metric: _ratio(model[metric], values[metric]) for metric in depth_metrics.DEPTH_METRIC_NAMES}
                  for name, values in baselines.items()}
        result = {
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
        if not self.median_scaling:
            gt_over_pred = np.array(self._gt_over_pred)
            result["scale_check"] = {"median_gt_over_pred": float(np.median(gt_over_pred)),
                                     "p10": float(np.percentile(gt_over_pred, 10)),
                                     "p90": float(np.percentile(gt_over_pred, 90)),
                                     "relative_std": float(gt_over_pred.std() / gt_over_pred.mean())}
        if self.eval_config.camera_height:
            result["camera_height"] = self._camera_height()
        return result

    def _camera_height(self) -> dict:
        """The per-image ground-plane scales, their spread, and the images without ground."""
        scales = np.array([s["scale"] for s in self.ground_scales])
        pixels = np.array([s["ground_pixels"] for s in self.ground_scales])
        return {
            "metres": self.eval_config.camera_height,
            "scale": {"median": float(np.median(scales)), "min": float(scales.min()), "max": float(scales.max()),
                      "relative_std": float(scales.std() / scales.mean())},
            "ground_pixels": {"median": int(np.median(pixels)), "min": int(pixels.min())},
            "per_image": self.ground_scales,
            # Scored at the median scale above (module docstring), not dropped.
            "no_ground": self.no_ground,
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
            # intrinsics[i, 0]: K of scale 0, the network's input size, which `depth` has.
            evaluation.add(batch["gt_depth"][i, ..., 0].numpy(), depth, name, batch["intrinsics"][i, 0].numpy())
            seen += 1
            if progress:
                progress.update()
        if max_examples is not None and seen >= max_examples:
            break
    if progress:
        progress.close()
    return evaluation.result()


def _without_camera_height(eval_config: EvalConfig, protocol: str) -> None:
    if eval_config.camera_height:
        raise ValueError(f"camera_height needs each image's intrinsics, which TFRecords and KITTI's "
                         f"calibration carry and protocol {protocol!r} does not")


def _evaluate_pairs(model: DepthModel, pairs: list, read_gt, evaluation: DepthEvaluation, batch_size: int,
                    show_progress: bool, intrinsics_of=None) -> dict:
    """pairs: [(name, image_path, gt_source)], read_gt(gt_source, image) -> float [H, W];
    intrinsics_of(gt_source) -> K [3, 3] at the image's own size (for camera_height)."""
    progress = ProgressBar(len(pairs), "depth") if show_progress else None
    images = (image_io.read_rgb(image_path) for _, image_path, _ in pairs)
    for (name, image_path, gt_source), depth in zip(pairs, predict_depth_at_input_size(model, images, batch_size)):
        # `depth` is at the image's own size, where the calibration's K holds.
        evaluation.add(read_gt(gt_source, depth.shape), depth, name,
                       intrinsics_of(gt_source) if intrinsics_of else None)
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
    """The KITTI Eigen protocol: Velodyne ground truth at each image's native size. With
    `eval_config.camera_height` (1.65 m for KITTI's cameras), each prediction is put in metres by
    its ground plane, with the rectified camera's K from the day's calibration."""
    samples = kitti.read_test_file_list(test_file_list, dataset_dir)
    for sample in samples:
        for path in (sample.image_path, sample.velodyne_path):
            if not os.path.isfile(path):
                raise FileNotFoundError(f"{path} (listed in {test_file_list}) not found")
    pairs = [(os.path.relpath(s.image_path, dataset_dir), s.image_path, s) for s in samples]

    def read_gt(sample: kitti.KittiSample, shape) -> np.ndarray:
        return kitti.generate_depth_map(sample.calib_dir, sample.velodyne_path, shape[0], shape[1], sample.camera)

    def intrinsics_of(sample: kitti.KittiSample) -> np.ndarray:
        return kitti.camera_intrinsics(sample.calib_dir, sample.camera)

    evaluation = DepthEvaluation(eval_config, protocol="kitti_eigen")
    return _evaluate_pairs(_as_model(model), pairs, read_gt, evaluation, batch_size, show_progress,
                           intrinsics_of if eval_config.camera_height else None)


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
    _without_camera_height(eval_config, "folders")
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
    lines = [depth_metrics.format_depth_table(rows),
             f"abs_rel: model / constant {ratios['constant']['abs_rel']:.3f}, "
             f"model / mean_map {ratios['mean_map']['abs_rel']:.3f}"]
    if "camera_height" in result:
        height = result["camera_height"]
        scale = height["scale"]
        lines.append(f"metres from a camera height of {height['metres']:g} m: scale median {scale['median']:.4g} "
                     f"(min {scale['min']:.4g}, max {scale['max']:.4g}, relative std {scale['relative_std']:.3f}), "
                     f"ground pixels median {height['ground_pixels']['median']}; "
                     f"{len(height['no_ground'])} image(s) without visible ground, scored at the median scale")
    if "scale_check" in result:
        check = result["scale_check"]
        lines.append(f"median of median(gt) / median(prediction): {check['median_gt_over_pred']:.4f} "
                     f"(10-90 %: {check['p10']:.3f}-{check['p90']:.3f}); a1 {result['model']['a1']:.3f}, "
                     f"log_mae {result['model']['log_mae']:.3f}")
    lines.append(f"({result['num_images']} images, protocol {result['protocol']})")
    return "\n".join(lines)

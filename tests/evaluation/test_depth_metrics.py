"""Known answers for every depth metric, the Eigen crop and the median scaling."""

import numpy as np
import pytest

from sfmlearner_tf.config import EIGEN_CROP, EvalConfig
from sfmlearner_tf.evaluation import depth_metrics
from sfmlearner_tf.evaluation.depth_eval import KITTI_EIGEN, DepthEvaluation
from sfmlearner_tf.evaluation.depth_metrics import compute_depth_metrics, crop_window, parse_crop


def test_every_metric_against_hand_computed_values():
    # Valid pixels: gt 10 everywhere, pred 10, 12, 14, 19 (ratios 1, 1.2, 1.4, 1.9); gt 0 and
    # gt 100 (> max_depth 80) are ignored.
    gt = np.array([[10.0, 10.0, 10.0], [10.0, 0.0, 100.0]])
    pred = np.array([[10.0, 12.0, 14.0], [19.0, 5.0, 5.0]])
    metrics = compute_depth_metrics(gt, pred, median_scaling=False)
    expected = {
        "abs_rel": (0 + 2 + 4 + 9) / 10 / 4,
        "sq_rel": (0 + 4 + 16 + 81) / 10 / 4,
        "rmse": np.sqrt((0 + 4 + 16 + 81) / 4),
        "rmse_log": np.sqrt((np.log(1.2) ** 2 + np.log(1.4) ** 2 + np.log(1.9) ** 2) / 4),
        "a1": 2 / 4,  # 1.0, 1.2 < 1.25
        "a2": 3 / 4,  # 1.4 < 1.5625
        "a3": 4 / 4,  # 1.9 < 1.953125
    }
    assert tuple(metrics) == depth_metrics.DEPTH_METRIC_NAMES
    for name, value in expected.items():
        assert metrics[name] == pytest.approx(value, rel=1e-12), name


def test_ratio_below_one_counts_symmetrically():
    # pred 8 for gt 10: ratio max(10/8, 8/10) = 1.25, not < 1.25.
    metrics = compute_depth_metrics(np.full((2, 2), 10.0), np.full((2, 2), 8.0), median_scaling=False)
    assert metrics["a1"] == 0.0 and metrics["a2"] == 1.0
    assert metrics["abs_rel"] == pytest.approx(0.2)


def test_median_scaling_removes_a_global_scale():
    rng = np.random.default_rng(0)
    gt = rng.uniform(2, 50, size=(20, 30))
    metrics = compute_depth_metrics(gt, gt * 0.037)
    assert metrics["abs_rel"] == pytest.approx(0.0, abs=1e-12)
    assert metrics["a1"] == 1.0
    unscaled = compute_depth_metrics(gt, gt * 0.037, median_scaling=False)
    assert unscaled["abs_rel"] > 0.9


def test_predictions_are_clipped_to_the_depth_range():
    gt = np.full((2, 2), 40.0)
    metrics = compute_depth_metrics(gt, np.full((2, 2), 1e6), median_scaling=False)
    assert metrics["rmse"] == pytest.approx(40.0)  # clipped to 80


def test_eigen_crop_indices_of_a_kitti_image():
    assert crop_window(375, 1242, "eigen") == (153, 371, 44, 1197)
    assert crop_window(10, 20, None) == (0, 10, 0, 20)
    assert crop_window(100, 200, "0.5,1,0.25,0.75") == (50, 100, 50, 150)


def test_crop_excludes_pixels_outside_the_window():
    gt = np.full((10, 10), 5.0)
    pred = np.full((10, 10), 5.0)
    pred[:5] = 50.0  # wrong only in the top half, which the crop removes
    assert compute_depth_metrics(gt, pred, crop=(0.5, 1, 0, 1), median_scaling=False)["abs_rel"] == 0.0
    assert compute_depth_metrics(gt, pred, median_scaling=False)["abs_rel"] == pytest.approx(4.5)


@pytest.mark.parametrize("bad", ["eigen2", "0.5,0.4,0,1", "1,2,3"])
def test_bad_crop_is_rejected(bad):
    with pytest.raises(ValueError, match="crop"):
        parse_crop(bad)


def test_eval_config_stores_the_parsed_crop_and_rejects_bad_settings():
    assert EvalConfig().crop is None and EvalConfig(crop="none") == EvalConfig()
    assert EvalConfig(crop="eigen").crop == EIGEN_CROP == KITTI_EIGEN.crop
    assert EvalConfig(crop=[0.5, 1, 0, 1]).crop == (0.5, 1.0, 0.0, 1.0) == EvalConfig(crop="0.5,1,0,1").crop
    with pytest.raises(ValueError, match="crop"):
        EvalConfig(crop="eigen2")
    with pytest.raises(ValueError, match="min_depth < max_depth, got 80 and 1"):
        EvalConfig(min_depth=80, max_depth=1)


def test_an_evaluation_applies_and_records_its_eval_config():
    assert DepthEvaluation(EvalConfig(crop="eigen")).settings == {
        "min_depth": EvalConfig.min_depth, "max_depth": EvalConfig.max_depth, "crop": EIGEN_CROP,
        "median_scaling": EvalConfig.median_scaling, "camera_height": 0.0}
    evaluation = DepthEvaluation(EvalConfig(max_depth=50.0, median_scaling=False))
    gt = np.full((4, 4), 60.0)
    gt[0, 0] = 10.0
    # 60 m is beyond max_depth 50: only the 10 m pixel is kept, and 12 m is not rescaled.
    evaluation.add(gt, np.full((4, 4), 12.0))
    assert evaluation.result()["model"]["abs_rel"] == pytest.approx(0.2)
    # Without median scaling the result says how far the model's own scale is off.
    assert evaluation.result()["scale_check"]["median_gt_over_pred"] == pytest.approx(10.0 / 12.0)


def test_shape_mismatch_and_empty_ground_truth_fail():
    with pytest.raises(ValueError, match="shape"):
        compute_depth_metrics(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="no valid"):
        compute_depth_metrics(np.zeros((2, 2)), np.ones((2, 2)))


def test_dataset_mean_is_over_images():
    first = dict.fromkeys(depth_metrics.DEPTH_METRIC_NAMES, 1.0)
    second = dict.fromkeys(depth_metrics.DEPTH_METRIC_NAMES, 3.0)
    result = depth_metrics.mean_depth_metrics([first, second])
    assert result["abs_rel"] == 2.0 and result["num_images"] == 2


def test_log_errors_are_symmetric_and_silog_ignores_the_scale():
    gt = np.linspace(2.0, 20.0, 40).reshape(4, 10)
    near, far = depth_metrics.compute_depth_metrics(gt, gt / 2, median_scaling=False), \
        depth_metrics.compute_depth_metrics(gt, gt * 2, median_scaling=False)
    # abs_rel flatters the near map (0.5 against 1.0); log_mae gives both log 2.
    assert near["abs_rel"] == pytest.approx(0.5) and far["abs_rel"] == pytest.approx(1.0)
    assert near["log_mae"] == pytest.approx(np.log(2)) and far["log_mae"] == pytest.approx(np.log(2))
    assert near["silog"] == pytest.approx(0.0, abs=1e-6)
    bent = depth_metrics.compute_depth_metrics(gt, gt * np.exp(0.1 * np.sign(gt - 11)), median_scaling=False)
    assert bent["silog"] == pytest.approx(0.1, rel=1e-6)

"""The mean-map baseline: the model's own mean prediction, used as a fixed prediction for every image."""

import numpy as np
import pytest

from sfmlearner_tf.config import EvalConfig
from sfmlearner_tf.evaluation.depth_eval import DepthEvaluation, format_depth_result
from sfmlearner_tf.evaluation.depth_metrics import compute_depth_metrics

H, W = 8, 12


def _scene(shift):
    """Depth of a ramp whose far end moves with `shift`: each image has its own layout."""
    u = np.arange(W, dtype=np.float32)
    return np.tile(2.0 + np.abs(u - shift), (H, 1))


GTS = [_scene(shift) for shift in (0, 4, 8, 11)]


def test_a_model_that_ignores_its_input_equals_its_mean_map():
    evaluation = DepthEvaluation()
    fixed = _scene(5)
    for index, gt in enumerate(GTS):
        # One map for every image, at another scale each time (median scaling removes it).
        evaluation.add(gt, fixed * (index + 1))
    result = evaluation.result()
    assert result["baselines"]["mean_map"]["abs_rel"] == pytest.approx(result["model"]["abs_rel"], rel=1e-5)
    assert result["ratios"]["mean_map"]["abs_rel"] == pytest.approx(1.0, rel=1e-5)
    assert "model / mean_map 1.000" in format_depth_result(result)


def test_a_perfect_model_beats_its_mean_map_by_the_known_amount():
    evaluation = DepthEvaluation()
    for gt in GTS:
        evaluation.add(gt, 3.0 * gt)
    result = evaluation.result()
    assert result["model"]["abs_rel"] == pytest.approx(0.0, abs=1e-6)
    # The mean map is the mean of the median-normalised predictions, scored against each image.
    mean_map = np.mean([gt / np.median(gt) for gt in GTS], axis=0)
    expected = np.mean([compute_depth_metrics(gt, mean_map)["abs_rel"] for gt in GTS])
    assert result["baselines"]["mean_map"]["abs_rel"] == pytest.approx(expected, rel=1e-5)
    assert result["ratios"]["mean_map"]["abs_rel"] == pytest.approx(0.0, abs=1e-5)


def test_without_median_scaling_the_mean_map_keeps_the_predictions_scale():
    evaluation = DepthEvaluation(EvalConfig(median_scaling=False))
    for gt in GTS:
        evaluation.add(gt, gt)
    mean_map = np.mean(GTS, axis=0)
    expected = np.mean([compute_depth_metrics(gt, mean_map, median_scaling=False)["abs_rel"] for gt in GTS])
    assert evaluation.result()["baselines"]["mean_map"]["abs_rel"] == pytest.approx(expected, rel=1e-5)


def test_predictions_of_another_size_are_averaged_at_one_size():
    evaluation = DepthEvaluation()
    for gt in GTS:
        evaluation.add(gt, np.full((H // 2, W // 2), 7.0))
    result = evaluation.result()
    assert result["baselines"]["mean_map"]["abs_rel"] == pytest.approx(result["baselines"]["constant"]["abs_rel"], rel=1e-5)

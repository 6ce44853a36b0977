"""Metric depth from the camera's height: known answers on rendered ground planes."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.config import EvalConfig
from sfmlearner_tf.inference import run_inference
from sfmlearner_tf.inference.camera_height import backproject_depth, ground_scale
from sfmlearner_tf.evaluation.depth_eval import DepthEvaluation, format_depth_result
from sfmlearner_tf.inference.predict import DepthModel
from tests.evaluation.builders import STREET_CAMERA_HEIGHT, STREET_K, street_depth

H, W = 64, 208
K, CAMERA_HEIGHT = STREET_K, STREET_CAMERA_HEIGHT
_street = street_depth


@pytest.mark.parametrize("pitch", [0.0, 4.0, -3.0])
def test_the_scale_of_a_street_seen_in_any_unit_is_recovered(pitch):
    depth = _street(pitch)
    found = ground_scale(depth / 3.7, K, CAMERA_HEIGHT)
    assert found.scale == pytest.approx(3.7, rel=1e-3)
    assert found.height == pytest.approx(CAMERA_HEIGHT / 3.7, rel=1e-3)
    assert found.ground_pixels > 0.2 * H * W and found.reason == ""
    # The ground's normal tilts with the camera: up is -y, pitched down, it leans towards -z.
    assert np.degrees(np.arctan2(-found.normal[2], -found.normal[1])) == pytest.approx(pitch, abs=0.1)


def test_no_ground_gives_a_reason_not_a_number():
    found = ground_scale(_street(ground=False), K, CAMERA_HEIGHT)
    assert found.scale is None and found.height is None
    assert found.reason.startswith("no ground visible: 0 pixels")


def test_ground_above_the_camera_is_not_ground():
    # A ceiling (the same plane seen upside down: y -> -y) faces down, never up.
    depth = _street()[::-1]
    assert ground_scale(depth, K, CAMERA_HEIGHT).scale is None


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"camera_height must be > 0"):
        ground_scale(_street(), K, 0.0)
    with pytest.raises(ValueError, match=r"intrinsics must be 3x3, got shape \(4, 3, 3\)"):
        ground_scale(_street(), np.stack([K] * 4), CAMERA_HEIGHT)


def test_backprojection_puts_the_road_at_the_camera_height():
    points = backproject_depth(_street(), K)
    road = points[H - 1]
    np.testing.assert_allclose(road[:, 1], CAMERA_HEIGHT, rtol=1e-9)


def test_evaluation_with_the_camera_height_reports_metres():
    evaluation = DepthEvaluation(EvalConfig(camera_height=CAMERA_HEIGHT))
    for index, pitch in enumerate([0.0, 2.0, -2.0]):
        gt = _street(pitch)
        # The model is right up to a different scale per image; the ground fixes each one.
        assert evaluation.add(gt, gt / (index + 2), f"frame{index}", K)
    # Without visible ground the wall is still scored, at the others' median scale (3): 90 m,
    # clipped to the protocol's 80, for 30: abs_rel 5/3, not dropped.
    assert evaluation.add(_street(ground=False), _street(ground=False), "wall", K)
    result = evaluation.result()
    assert result["num_images"] == 4 and result["model"]["abs_rel"] == pytest.approx(5 / 3 / 4, abs=0.005)
    assert result["scale_check"]["median_gt_over_pred"] == pytest.approx(1.0, abs=0.005)
    assert result["scale_check"]["p10"] < 0.6 and result["scale_check"]["p90"] == pytest.approx(1.0, abs=0.005)
    height = result["camera_height"]
    assert [round(image["scale"], 2) for image in height["per_image"]] == [2.0, 3.0, 4.0]
    assert height["no_ground"][0]["name"] == "wall" and "no ground visible" in height["no_ground"][0]["reason"]
    assert "1 image(s) without visible ground, scored at the median scale" in format_depth_result(result)
    # The constant baseline borrows no ground truth either: one depth for every image, the median
    # of the model's own metric medians.
    medians = [np.median(_street(p)[_street(p) > 0]) for p in (0.0, 2.0, -2.0)] + [90.0]
    assert result["baselines"]["constant"]["depth"] == pytest.approx(np.median(medians), rel=0.01)
    with pytest.raises(ValueError, match="needs the intrinsics"):
        evaluation.add(_street(), _street(), "no K")


def test_inference_writes_metres_and_skips_frames_without_ground(tmp_path):
    from PIL import Image

    # A "network" that answers the street (in units of 1/5 m) for bright frames and a wall for
    # dark ones, so each frame's scale is known.
    street, wall = _street() / 5.0, _street(ground=False)

    def depth_fn(images):
        bright = tf.reduce_mean(tf.cast(images, tf.float32), axis=[1, 2, 3]) > 127
        return tf.where(bright[:, None, None], tf.constant(street, tf.float32), tf.constant(wall, tf.float32))

    model = DepthModel(H, W, depth_fn)
    frames = tmp_path / "frames"
    frames.mkdir()
    # Frames at twice the network's size: K is given at the frames' size and resized inside.
    Image.fromarray(np.full((2 * H, 2 * W, 3), 200, np.uint8)).save(frames / "road.png")
    Image.fromarray(np.full((2 * H, 2 * W, 3), 20, np.uint8)).save(frames / "wall.png")
    frame_k = np.array([[240.0, 0, 207.5], [0, 240.0, 63.5], [0, 0, 1]])
    summary = run_inference.run_inference(model, str(frames), str(tmp_path / "out"), save_npy=True, show_progress=False,
                                      camera_height=CAMERA_HEIGHT, intrinsics=frame_k)
    assert summary["metric"] == {"scaled": 1, "no_ground": 1}
    scales = json.loads((tmp_path / "out" / "scales.json").read_text())["frames"]
    assert scales["road"]["scale"] == pytest.approx(5.0, rel=1e-3)
    assert "no ground visible" in scales["wall"]["reason"]
    assert not os.path.exists(tmp_path / "out" / "wall_depth.png")
    depth = np.load(tmp_path / "out" / "road_depth.npy")
    assert depth.shape == (2 * H, 2 * W)
    # The bottom rows are road, CAMERA_HEIGHT below the camera: metres, not the network's units.
    bottom = backproject_depth(depth, frame_k)[-1, 10:-10, 1]
    np.testing.assert_allclose(bottom, CAMERA_HEIGHT, rtol=0.02)
    with pytest.raises(ValueError, match="needs the frames' intrinsics"):
        run_inference.run_inference(model, str(frames), str(tmp_path / "out2"), show_progress=False,
                                camera_height=CAMERA_HEIGHT)


def test_ground_truth_without_intrinsics_cannot_be_scaled_by_the_camera_height(tmp_path):
    from sfmlearner_tf.evaluation.depth_eval import evaluate_depth_folders

    (tmp_path / "images").mkdir()
    (tmp_path / "depth").mkdir()
    with pytest.raises(ValueError, match="camera_height needs each image's intrinsics, .* protocol 'folders' does not"):
        evaluate_depth_folders(DepthModel(H, W, None), str(tmp_path / "images"), str(tmp_path / "depth"),
                               eval_config=EvalConfig(camera_height=CAMERA_HEIGHT), show_progress=False)

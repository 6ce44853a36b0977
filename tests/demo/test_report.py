import numpy as np
import pytest
import tensorflow as tf

from demo.report import _trained_steps


def test_trained_steps_is_the_step_of_the_latest_checkpoint(tmp_path):
    # The trainer's CheckpointManager numbers checkpoints by step; a run stopped by its time limit
    # has a last checkpoint below --train_steps, which the report must name.
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=tf.Variable(0)), str(tmp_path), max_to_keep=3)
    for step in (500, 1000, 1137):
        manager.save(checkpoint_number=step)
    assert _trained_steps(str(tmp_path)) == 1137


def test_the_report_shows_depth_in_metres_beside_the_median_scaled_model():
    from demo.report import _depth_table, _metres_sentence
    from sfmlearner_tf.config import EvalConfig
    from sfmlearner_tf.evaluation.depth_eval import DepthEvaluation
    from tests.evaluation.builders import STREET_CAMERA_HEIGHT, STREET_K, street_depth

    median_scaled = DepthEvaluation()
    metres = DepthEvaluation(EvalConfig(camera_height=STREET_CAMERA_HEIGHT))
    for pitch in (0.0, 2.0):
        gt = street_depth(pitch)
        # Right layout, 10 % too far at the wall, in units of 1/4 m.
        prediction = np.where(gt > 25, 1.1 * gt, gt) / 4.0
        for evaluation in (median_scaled, metres):
            evaluation.add(gt, prediction, f"pitch {pitch}", STREET_K)
    depth, metric = median_scaled.result(), metres.result()
    table = _depth_table(depth, metric)
    assert table[-2].startswith("| model in metres, from the camera height (1.65 m), not median-scaled | "
                                f"{metric['model']['abs_rel']:.3f} |")
    sentence = _metres_sentence(depth, metric)
    assert f"abs_rel {metric['model']['abs_rel']:.3f}" in sentence and "per-image scales 4–4 " in sentence
    assert "0 image(s) without visible ground" in sentence


def test_no_visible_ground_is_a_finding_the_report_tells():
    from demo.report import _depth_table, _metres_sentence
    from sfmlearner_tf.config import EvalConfig
    from sfmlearner_tf.evaluation.depth_eval import DepthEvaluation, NothingToScore
    from tests.evaluation.builders import STREET_CAMERA_HEIGHT, STREET_K, street_depth

    median_scaled = DepthEvaluation()
    metres = DepthEvaluation(EvalConfig(camera_height=STREET_CAMERA_HEIGHT))
    gt = street_depth()
    # A flat map, as a collapsed network draws: no ground plane for the camera height.
    for index in range(3):
        for evaluation in (median_scaled, metres):
            evaluation.add(gt, np.full_like(gt, 7.0), f"frame {index}", STREET_K)
    with pytest.raises(NothingToScore, match=r"none of the 3 image\(s\) with ground truth showed the ground") as caught:
        metres.result()
    assert [entry["name"] for entry in caught.value.no_ground] == ["frame 0", "frame 1", "frame 2"]
    # What evaluate writes for it (`problem`), as the report reads it.
    written = {"mode": "depth", "num_images": 0, "problem": str(caught.value)}
    depth = median_scaled.result()
    assert len(_depth_table(depth, written)) == len(_depth_table(depth))
    assert _metres_sentence(depth, written).startswith("**In metres, from the camera height: nothing could be scored.")
    # One image with a ground plane: the flat ones are scored at its scale, and the table gains
    # the model in metres and the constant at the model's own metric depth.
    metres.add(gt, gt / 3.0, "frame 3", STREET_K)
    scored = metres.result()
    assert scored["num_images"] == 4 and len(scored["camera_height"]["no_ground"]) == 3
    assert len(_depth_table(depth, scored)) == len(_depth_table(depth)) + 2
    sentence = _metres_sentence(depth, scored)
    assert "δ<1.25" in sentence and "log_mae" in sentence and "3 image(s) without visible ground, scored" in sentence


def test_the_format_table_says_which_files_are_unfit_to_ship(tmp_path):
    import json

    from demo.report import _format_table

    for quantization, abs_rel in (("float32", 1e-6), ("int8", 0.4)):
        report = {"quantization": quantization, "file": f"depth_{quantization}.tflite", "size_bytes": 2_000_000,
                  "latency_ms_median": 3.0, "abs_rel_vs_keras": abs_rel, "abs_rel_vs_keras_max": abs_rel,
                  "num_images": 20}
        (tmp_path / f"depth_{quantization}.fidelity.json").write_text(json.dumps(report))
    lines = _format_table(str(tmp_path))
    assert lines[2].endswith("| yes |") and lines[3].endswith("| no |")
    assert lines[-1].startswith("**int8:** depth_int8.tflite: int8 depth differs from the Keras model's by abs_rel 0.4000")

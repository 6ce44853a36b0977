import numpy as np
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
    assert table[-1].startswith("| model in metres, from the camera height (1.65 m), not median-scaled | "
                                f"{metric['model']['abs_rel']:.3f} |")
    sentence = _metres_sentence(depth, metric)
    assert f"abs_rel {metric['model']['abs_rel']:.3f}" in sentence and "per-image scales 4–4 " in sentence
    assert "0 image(s) without visible ground" in sentence

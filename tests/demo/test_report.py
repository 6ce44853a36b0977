import tensorflow as tf

from demo.report import _trained_steps


def test_trained_steps_is_the_step_of_the_latest_checkpoint(tmp_path):
    # The trainer's CheckpointManager numbers checkpoints by step; a run stopped by its time limit
    # has a last checkpoint below --train_steps, which the report must name.
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=tf.Variable(0)), str(tmp_path), max_to_keep=3)
    for step in (500, 1000, 1137):
        manager.save(checkpoint_number=step)
    assert _trained_steps(str(tmp_path)) == 1137

"""Training: optimizer, the tf.function train step, tf.distribute strategy, the checkpointed state,
summaries, progress, validation and the loop that ties them (`trainer.Trainer`).

The run directory's layout (`config.json`, loading the networks) is `sfmlearner_tf.run_dir`."""

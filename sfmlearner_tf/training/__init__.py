"""Training: optimizer, the tf.function train step, tf.distribute strategy, checkpoints, summaries,
progress, validation and the loop that ties them (`trainer.Trainer`)."""

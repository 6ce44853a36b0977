"""Everything a run keeps across restarts: networks, optimizer and step counter.

`TrainingState.create` builds them under the strategy's scope and restores, in this order of
preference: the latest checkpoint of the run directory (a resume: same step, same optimizer
moments), else the networks of `--init_checkpoint` (a fine-tune: new optimizer, step 0), else
fresh weights. The input position needs no state of its own: the training stream is a function
of its position (data/pipeline.py), so the iterator is made after the restore, at the step.
"""

import dataclasses
import os
import shutil
from typing import Callable, Optional

import keras
import tensorflow as tf

from sfmlearner_tf.config import Config
from sfmlearner_tf.run_dir import (
    CONFIG_FILE,
    build_models,
    check_resume_config,
    read_config,
    restore_networks,
    write_config,
)
from sfmlearner_tf.training.optimizer import make_optimizer
from sfmlearner_tf.training.strategy import is_chief, write_dir


@dataclasses.dataclass
class TrainingState:
    strategy: tf.distribute.Strategy
    depth_net: keras.Model
    pose_net: keras.Model
    optimizer: keras.optimizers.Optimizer
    step: tf.Variable
    iterator: object
    manager: tf.train.CheckpointManager
    is_chief: bool
    # How the state began: "resumed from <prefix>", "initialized from <prefix>" or "fresh".
    origin: str

    @classmethod
    def create(cls, config: Config, strategy: tf.distribute.Strategy,
               make_iterator: Callable[[int], object], log: Callable[[str], None]) -> "TrainingState":
        """`make_iterator(step)` makes the input iterator that continues a run after `step` steps."""
        run_dir = config.train.checkpoint_dir
        latest = tf.train.latest_checkpoint(run_dir) if tf.io.gfile.isdir(run_dir) else None
        saved_config = None
        if tf.io.gfile.exists(os.path.join(run_dir, CONFIG_FILE)):
            saved_config = read_config(run_dir)
            check_resume_config(saved_config, config, run_dir)
        keras.utils.set_random_seed(config.train.seed)
        with strategy.scope():
            depth_net, pose_net = build_models(config)
            optimizer = make_optimizer(config.train)
            optimizer.build(depth_net.trainable_variables + pose_net.trainable_variables)
            step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        chief = is_chief(strategy)
        # The checkpoints of earlier versions also hold an `iterator`; `expect_partial` skips it.
        checkpoint = tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net, optimizer=optimizer, step=step)
        manager = tf.train.CheckpointManager(
            checkpoint, write_dir(run_dir, strategy), max_to_keep=config.train.keep_checkpoints, step_counter=step
        )
        if latest:
            checkpoint.read(latest).expect_partial().assert_existing_objects_matched()
            origin = f"resumed from {latest}"
        elif config.train.init_checkpoint:
            prefix = restore_networks(config.train.init_checkpoint, depth_net, pose_net)
            origin = f"initialized from {prefix}"
        else:
            origin = "fresh"
        iterator = make_iterator(int(step.numpy()))
        if chief:
            write_config(run_dir, config)
        return cls(strategy, depth_net, pose_net, optimizer, step, iterator, manager, chief, origin)

    def save(self) -> Optional[str]:
        """Writes a checkpoint on every worker (each must take part); only the chief's is kept.

        TF writes the checkpoint's files first and updates the `checkpoint` state file last, so a
        crash during a save leaves the previous checkpoint as the latest one.
        """
        tf.io.gfile.makedirs(self.manager.directory)
        path = self.manager.save(checkpoint_number=int(self.step.numpy()))
        if not self.is_chief:
            shutil.rmtree(self.manager.directory, ignore_errors=True)
        return path

"""Everything a run keeps across restarts: networks, optimizer, step counter and input position.

`TrainingState.create` builds them under the strategy's scope and restores, in this order of
preference: the latest checkpoint of the run directory (a resume: same step, same optimizer
moments, same place in the data), else the networks of `--init_checkpoint` (a fine-tune: new
optimizer, step 0), else fresh weights.
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
    config_differences,
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
               make_iterator: Callable[[], object], log: Callable[[str], None]) -> "TrainingState":
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
        iterator = make_iterator()
        chief = is_chief(strategy)
        # The iterator's saved position belongs to the saved pipeline: a changed data section
        # (batch size, augmentation) starts the input afresh instead of failing to restore it.
        same_data = saved_config is None or not config_differences(saved_config, config, ("data",))
        tracked = dict(depth_net=depth_net, pose_net=pose_net, optimizer=optimizer, step=step)
        # The input position is saved where tf.data can: the one-device iterator. The iterators of
        # MirroredStrategy / MultiWorkerMirroredStrategy over several replicas are not trackable
        # in TF 2.21, so such a run restarts its (shuffled, repeated) input on resume.
        if isinstance(iterator, tf.__internal__.tracking.Trackable):
            checkpoint = tf.train.Checkpoint(iterator=iterator, **tracked)
        else:
            checkpoint = tf.train.Checkpoint(**tracked)
            log("the input position of a multi-replica run is not checkpointed: input restarts on resume")
        manager = tf.train.CheckpointManager(
            checkpoint, write_dir(run_dir, strategy), max_to_keep=config.train.keep_checkpoints, step_counter=step
        )
        if latest:
            restore_from = checkpoint if same_data else tf.train.Checkpoint(**tracked)
            restore_from.read(latest).expect_partial().assert_existing_objects_matched()
            if not same_data:
                log("the data config changed since the last checkpoint: the input pipeline starts afresh")
            origin = f"resumed from {latest}"
        elif config.train.init_checkpoint:
            prefix = restore_networks(config.train.init_checkpoint, depth_net, pose_net)
            origin = f"initialized from {prefix}"
        else:
            origin = "fresh"
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

"""The training run: checks the setup, then loops step -> log -> summaries -> validation -> save.

`Trainer(config)` fails fast (ValueError / FileNotFoundError quoting the value) on a bad setup:
a missing dataset, a split without shards, a batch size that does not divide across replicas,
a resumed run whose model/loss config differs. `Trainer.run()` trains to `max_steps` (or for `max_seconds`), saving every
`save_every` steps, at the end and when SIGINT/SIGTERM arrives; a non-finite loss term or
gradient raises `NonFiniteError`, and unreadable training data `TrainingDataError` (naming the
shard and record), before anything of that step is saved.
"""

import contextlib
import os
import re
import time
from typing import Callable

import numpy as np
import tensorflow as tf
from absl import logging

from sfmlearner_tf.config import Config
from sfmlearner_tf.data import make_dataset
from sfmlearner_tf.data.dataset_info import read_dataset_info, shard_paths
from sfmlearner_tf.data.shards import CorruptShardError, verify_shards
from sfmlearner_tf.losses import compute_losses
from sfmlearner_tf.quiet_start import GRAPH_OPTIMIZER_NOTICES, notices_dropped
from sfmlearner_tf.training import summaries
from sfmlearner_tf.training.health import CollapseWatch, HealthProbe, summary_line
from sfmlearner_tf.training.optimizer import set_precision_policy
from sfmlearner_tf.training.progress import Progress, Throughput
from sfmlearner_tf.training.signals import StopRequest
from sfmlearner_tf.training.state import TrainingState
from sfmlearner_tf.training.strategy import make_strategy
from sfmlearner_tf.training.train_step import TERM_KEYS, TrainStep
from sfmlearner_tf.training.validation import Validator, check_val_split

TRAIN_SPLIT = "train"


class NonFiniteError(FloatingPointError):
    """A loss term or the gradient became NaN/Inf; the message names the step and the terms."""


class TrainingDataError(ValueError):
    """The training data could not be read; the message names the shard and record where known."""


def locate_data_error(dataset_dir: str, step: int, error: tf.errors.OpError) -> TrainingDataError:
    """The error to stop a run with when reading a training batch failed.

    A record whose data CRC fails is named by the reader (`shards.RecordReader`). Any other
    reading error names no file; the slow path runs here only then: every training shard is read
    once with its data CRCs checked, which names the first damaged record.
    """
    advice = (f"rebuild the dataset, or check it with `python -m data_prep.verify_tfrecords "
              f"--dataset_dir={dataset_dir}`; the last checkpoint is unchanged")
    named = re.search(r"corrupt TFRecord shard .*", str(error.message))
    if named:
        return TrainingDataError(f"{named.group(0)} (reading the batch of step {step + 1}): {advice}")
    try:
        verify_shards(dataset_dir, [TRAIN_SPLIT], check_data=True)
    except CorruptShardError as corrupt:
        return TrainingDataError(f"{corrupt.message} (reading the batch of step {step + 1}): {advice}")
    first_line = str(error.message).strip().splitlines()[0]
    return TrainingDataError(f"reading the batch of step {step + 1} from {dataset_dir} failed: {first_line}; {advice}")


def describe_non_finite(step: int, logs: dict) -> str:
    bad = [f"{name}={value}" for name, value in logs.items() if name != "all_finite" and not np.isfinite(value)]
    return (
        f"non-finite training value at step {step}: {', '.join(bad) or 'gradient'}; "
        "stopped without saving this step (the last checkpoint holds finite weights)"
    )


class Trainer:
    """One training run of `config` (see module docstring)."""

    def __init__(self, config: Config, loss_fn: Callable = compute_losses, log: Callable[[str], None] = logging.info):
        train = config.train
        if not train.checkpoint_dir:
            raise ValueError("checkpoint_dir is required")
        if not config.data.dataset_dir:
            raise ValueError("dataset_dir is required")
        shard_paths(config.data.dataset_dir, TRAIN_SPLIT)
        info = read_dataset_info(config.data.dataset_dir)
        if info.get("intrinsics_known") is False and not config.model.learn_intrinsics:
            log(f"the intrinsics of {config.data.dataset_dir} are a guess (built with --unknown_intrinsics): depth "
                "and poses inherit its error; --learn_intrinsics learns the camera instead")
        if config.loss.velocity_weight:
            if not info["has_gt_poses"]:
                raise ValueError(f"--velocity_weight needs records with ground-truth poses, and "
                                 f"{config.data.dataset_dir} has none (dataset.json has_gt_poses is false)")
            log(f"velocity supervision: metric distances from the gt_poses of the {info.get('source', '?')} "
                f"records in {config.data.dataset_dir}")
        if train.val_every:
            check_val_split(config.data.dataset_dir)
        self.config, self.log = config, log
        self.precision = set_precision_policy(train)
        self.strategy = make_strategy(train.strategy)
        replicas = self.strategy.num_replicas_in_sync
        if config.data.batch_size % replicas:
            raise ValueError(
                f"batch_size {config.data.batch_size} does not divide across {replicas} replicas "
                f"of strategy {train.strategy!r}"
            )
        self.state = TrainingState.create(config, self.strategy, self._make_iterator, log)
        self.train_step = TrainStep(
            self.state.depth_net, self.state.pose_net, self.state.optimizer, self.state.step,
            config.loss, self.strategy, jit_compile=train.jit_compile, loss_fn=loss_fn,
        )
        chief = self.state.is_chief
        run_dir = train.checkpoint_dir
        self.health_probe = HealthProbe(self.state.depth_net, self.state.pose_net, self.strategy)
        self.collapse_watch = CollapseWatch(run_dir, logging.warning, write=chief, inform=log)
        self.train_writer = tf.summary.create_file_writer(os.path.join(run_dir, "train")) if chief else None
        self.val_writer = None
        self.validator = None
        if chief and train.val_every:
            self.val_writer = tf.summary.create_file_writer(os.path.join(run_dir, "val"))
            self.validator = Validator(self.state.depth_net, self.state.pose_net, config, train.val_batches, loss_fn)

    def _make_iterator(self, step: int):
        config = self.config

        def dataset_fn(input_context):
            # Each pipeline reads its own positions of one shuffled stream (data/pipeline.py) and
            # has delivered `step × global batch / pipelines` snippets before this step.
            return make_dataset(
                config.data.dataset_dir, TRAIN_SPLIT, config.data, config.model,
                num_scales=config.loss.num_scales, training=True, seed=config.train.seed,
                input_context=input_context,
                start=step * config.data.batch_size // input_context.num_input_pipelines,
            )

        return iter(self.strategy.distribute_datasets_from_function(dataset_fn))

    @property
    def step(self) -> int:
        return int(self.state.step.numpy())

    def run(self) -> int:
        """Trains until `max_steps` or a stop signal; returns the last completed step."""
        train = self.config.train
        state = self.state
        step = first_step = self.step
        self.log(
            f"{state.origin}: step {step}, optimizer iterations {int(state.optimizer.iterations.numpy())}, "
            f"{self.strategy.num_replicas_in_sync} replica(s), global batch {self.config.data.batch_size}, "
            f"precision {self.precision}"
        )
        progress = Progress(train.max_steps, self.config.data.batch_size)
        throughput = Throughput()
        saved_step = step if step > 0 else None
        deadline = time.monotonic() + train.max_seconds if train.max_seconds else None
        with StopRequest() as stop:
            while step < train.max_steps:
                try:
                    batch = next(state.iterator)
                except (tf.errors.InvalidArgumentError, tf.errors.DataLossError) as error:
                    raise locate_data_error(self.config.data.dataset_dir, step, error) from None
                # The first call optimizes the step's graph, where TensorFlow logs one harmless error
                # line with leaky ReLU under oneDNN (quiet_start.GRAPH_OPTIMIZER_NOTICES).
                first = step == first_step
                with notices_dropped(GRAPH_OPTIMIZER_NOTICES) if first else contextlib.nullcontext():
                    logs, images = self.train_step(batch)
                step += 1
                if logs["all_finite"].numpy() < 1.0:
                    values = {name: float(value.numpy()) for name, value in logs.items()}
                    raise NonFiniteError(describe_non_finite(step, values))
                progress.tick()
                throughput.tick()
                if step % train.log_every == 0 or step == train.max_steps:
                    # The networks after this step's update, on the batch it trained on.
                    health = self.health_probe(batch)
                    self.collapse_watch.update(step, health)
                    self.log(progress.line(step, float(logs["total"].numpy()), summary_line(health)))
                    if self.train_writer is not None:
                        summaries.write_scalars(self.train_writer, step, {f"health/{k}": v for k, v in health.items()})
                if step % train.summary_every == 0 and self.train_writer is not None:
                    self._write_train_summaries(step, logs, images, throughput)
                if self.validator is not None and step % train.val_every == 0:
                    self._validate(step)
                if step % train.save_every == 0:
                    self._save(step)
                    saved_step = step
                if stop.requested:
                    self.log(f"{stop.signal_name} received: saving at step {step} and stopping")
                    break
                if deadline is not None and time.monotonic() > deadline:
                    self.log(f"max_seconds={train.max_seconds:g} reached: saving at step {step} and stopping")
                    break
            if saved_step != step:
                self._save(step)
        self.flush_summaries()
        return step

    def flush_summaries(self) -> None:
        """Writes out the TensorBoard events still buffered (also when training stops on an error)."""
        for writer in (self.train_writer, self.val_writer):
            if writer is not None:
                writer.flush()

    def _save(self, step: int) -> None:
        path = self.state.save()
        if self.state.is_chief:
            self.log(f"saved {path} (step {step})")

    def _write_train_summaries(self, step: int, logs: dict, images: dict, throughput: Throughput) -> None:
        seconds_per_step, images_per_second = throughput.read(self.config.data.batch_size)
        scalars = {f"loss/{key}": float(logs[key].numpy()) for key in TERM_KEYS}
        scalars.update(
            grad_norm=float(logs["grad_norm"].numpy()),
            learning_rate=float(tf.convert_to_tensor(self.state.optimizer.learning_rate).numpy()),
            step_time=seconds_per_step,
            images_per_second=images_per_second,
        )
        summaries.write_scalars(self.train_writer, step, scalars)
        summaries.write_images(self.train_writer, step, images, self.config.model.num_source)

    def _validate(self, step: int) -> None:
        results = self.validator.run()
        summaries.write_scalars(self.val_writer, step, results)
        self.val_writer.flush()
        shown = " | ".join(f"{name} {value:.4g}" for name, value in results.items())
        self.log(f"validation at step {step}: {shown}")

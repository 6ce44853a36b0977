"""Trains SfMLearner's depth and pose networks on TFRecords made by `data_prep`.

  python -m sfmlearner_tf.train --dataset_dir=DATA --checkpoint_dir=RUN [--flagfile=FILE]

Every field of the model, loss, data and train config is a flag of the same name (see `--helpfull`).
Restarting with the same --checkpoint_dir resumes; flags not given then keep the saved run's
values, and a model/loss flag that contradicts them is an error. A bad setup prints one line on
stderr and exits with status 2; NaN/Inf in training exits with status 3, unreadable training data
with status 4 (naming the shard and the record); the last checkpoint stays the last good one.
"""

import os
import sys

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from sfmlearner_tf import exit_status  # noqa: E402
from sfmlearner_tf.config import Config  # noqa: E402
from sfmlearner_tf.flags import config_from_flags, define_config_flags  # noqa: E402
from sfmlearner_tf.run_dir import CONFIG_FILE, read_config  # noqa: E402
from sfmlearner_tf.training.trainer import NonFiniteError, Trainer, TrainingDataError  # noqa: E402

define_config_flags()
FLAGS = flags.FLAGS


def _fail(message: str, status: int) -> None:
    sys.stderr.write(f"train: error: {message}\n")
    sys.exit(status)


def _stop_training(trainer: Trainer, message: str, status: int) -> None:
    """Exits without the interpreter's teardown, once training has stopped on an error.

    The checkpoints are written and the events flushed first. The teardown would destroy an input
    pipeline that stopped mid-read, and TensorFlow's parallel-map iterator can wait forever there
    for calls still in flight (seen once in a damaged-record test, 2026-12-07).
    """
    trainer.flush_summaries()
    sys.stderr.write(f"train: error: {message}\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main(argv):
    if len(argv) > 1:
        _fail(f"unexpected arguments {argv[1:]} (flags take the form --name=value)", exit_status.BAD_SETUP)
    try:
        base = None
        if FLAGS.checkpoint_dir and os.path.isfile(os.path.join(FLAGS.checkpoint_dir, CONFIG_FILE)):
            base = read_config(FLAGS.checkpoint_dir)
        config = config_from_flags(FLAGS, base=base or Config())
        trainer = Trainer(config)
    except (ValueError, FileNotFoundError) as error:
        _fail(str(error), exit_status.BAD_SETUP)
    try:
        trainer.run()
    except NonFiniteError as error:
        _stop_training(trainer, str(error), exit_status.NON_FINITE)
    except TrainingDataError as error:
        _stop_training(trainer, str(error), exit_status.BAD_DATA)


if __name__ == "__main__":
    app.run(main)

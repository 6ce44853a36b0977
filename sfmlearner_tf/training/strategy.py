"""`tf.distribute` strategies by name, and which worker writes files."""

import os
import tempfile

import tensorflow as tf

from sfmlearner_tf.config import STRATEGIES


def make_strategy(name: str) -> tf.distribute.Strategy:
    """`default` (one device), `mirrored` (all local GPUs, or all logical CPUs when there is no
    GPU), `multi_worker` (MultiWorkerMirroredStrategy; the cluster comes from `TF_CONFIG`)."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = [device.name for device in tf.config.list_logical_devices("GPU")]
        if not devices:
            devices = [device.name for device in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError("strategy 'multi_worker' needs the TF_CONFIG environment variable (see BUILD.md)")
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}")


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True on the one worker that writes checkpoints and summaries (always true off multi-worker).

    The chief is the task of type `chief`, or worker 0 of a cluster without a `chief` task.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def write_dir(checkpoint_dir: str, strategy: tf.distribute.Strategy) -> str:
    """Where this worker saves: the run directory on the chief, a fresh temporary directory on the
    others (every worker must take part in a save, but only the chief's files are kept; the
    caller deletes the temporary directory, as the TF multi-worker guide prescribes)."""
    if is_chief(strategy):
        return checkpoint_dir
    resolver = strategy.cluster_resolver
    return tempfile.mkdtemp(prefix=f"sfmlearner_{resolver.task_type}{resolver.task_id}_")

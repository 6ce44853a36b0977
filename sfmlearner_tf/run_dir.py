"""The layout of a run directory, and loading the networks from it.

Shared by training (which writes it), evaluation, inference, export, the demo and the benchmarks.
A run's `checkpoint_dir` holds `config.json` (the `Config` of the run), `health.json` (the
training-health verdict, `training/health.py`) and the `tf.train.CheckpointManager` files. The checkpoint object's keys are `depth_net` and `pose_net`
(plus `optimizer`, `step` and `iterator` while training), so any program can restore just the
networks.
"""

import dataclasses
import json
import os
from typing import Optional

import tensorflow as tf

from sfmlearner_tf import atomic_write
from sfmlearner_tf.config import Config
from sfmlearner_tf.models import DepthNet, DispNet, MobileDepthNet, PoseExpNet

CONFIG_FILE = "config.json"
HEALTH_FILE = "health.json"
# Sections whose change makes a saved run a different model: resuming with them changed is an error.
FIXED_SECTIONS = ("model", "loss")
def build_models(config: Config) -> tuple[DepthNet, PoseExpNet]:
    """Creates both networks for `config` and builds their weights with a dummy batch.

    The depth network is `config.model.depth_net`'s (a run from before that field loads as
    "dispnet", its default).
    """
    model = config.model
    if model.depth_net == "mobile":
        # ReLU6 by design (int8-friendly); `activation` is then the pose network's alone.
        depth_net = MobileDepthNet()
    else:
        depth_net = DispNet(activation=model.activation, initial_depth=model.initial_depth, padding=model.padding)
    pose_net = PoseExpNet(
        num_source=model.num_source,
        explainability=config.loss.explainability,
        mask_channels=model.mask_channels,
        activation=model.activation,
        learn_intrinsics=model.learn_intrinsics,
        translation_scale=model.translation_scale,
        padding=model.padding,
    )
    image = tf.zeros([1, model.height, model.width, 3])
    depth_net(image)
    pose_net(image, tf.zeros([1, model.height, model.width, 3 * model.num_source]))
    return depth_net, pose_net


def write_config(checkpoint_dir: str, config: Config) -> None:
    """Writes `checkpoint_dir/config.json` atomically (creating the directory)."""
    atomic_write.write_text(os.path.join(checkpoint_dir, CONFIG_FILE), config.to_json())


def read_config(checkpoint_dir: str) -> Config:
    path = os.path.join(checkpoint_dir, CONFIG_FILE)
    if not tf.io.gfile.exists(path):
        raise FileNotFoundError(f"{path} not found: {checkpoint_dir!r} is not a training run directory")
    with tf.io.gfile.GFile(path) as f:
        return Config.from_json(f.read())


def resolve_checkpoint(path: str) -> tuple[str, str]:
    """A run directory or a checkpoint prefix -> (run directory, checkpoint prefix)."""
    if tf.io.gfile.isdir(path):
        prefix = tf.train.latest_checkpoint(path)
        if prefix is None:
            raise FileNotFoundError(f"no checkpoint in {path!r}")
        return path, prefix
    if not tf.io.gfile.exists(path + ".index"):
        raise FileNotFoundError(f"{path!r} is neither a run directory nor a checkpoint prefix")
    return os.path.dirname(path), path


def restore_models(path: str) -> tuple[Config, DepthNet, PoseExpNet]:
    """Loads the config and the two networks of a run (directory: its latest checkpoint)."""
    run_dir, prefix = resolve_checkpoint(path)
    config = read_config(run_dir)
    depth_net, pose_net = build_models(config)
    status = tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net).read(prefix)
    status.expect_partial().assert_existing_objects_matched()
    return config, depth_net, pose_net


def config_differences(saved: Config, requested: Config, sections=FIXED_SECTIONS) -> list[str]:
    """`section.field: saved -> requested` for every field of `sections` that differs."""
    differences = []
    for section in sections:
        old, new = dataclasses.asdict(getattr(saved, section)), dataclasses.asdict(getattr(requested, section))
        differences += [f"{section}.{name}: {old[name]!r} -> {new[name]!r}" for name in old if old[name] != new[name]]
    return differences


def check_resume_config(saved: Config, requested: Config, checkpoint_dir: str) -> None:
    """Raises ValueError naming the model/loss fields in which `requested` differs from the saved run."""
    differences = config_differences(saved, requested)
    if differences:
        raise ValueError(
            f"{os.path.join(checkpoint_dir, CONFIG_FILE)} was trained with a different model/loss "
            f"({'; '.join(differences)}); use a new --checkpoint_dir or --init_checkpoint"
        )


def restore_networks(path: str, depth_net, pose_net) -> str:
    """Loads only the two networks' weights from a run directory or checkpoint prefix; returns the prefix."""
    _, prefix = resolve_checkpoint(path)
    status = tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net).read(prefix)
    status.expect_partial().assert_existing_objects_matched()
    return prefix


def read_health(path: str) -> Optional[dict]:
    """The `health.json` of a run (directory or checkpoint prefix), or None where there is none
    (a SavedModel, a run from before health was recorded)."""
    run_dir = path if tf.io.gfile.isdir(path) else os.path.dirname(path)
    health_path = os.path.join(run_dir, HEALTH_FILE)
    if not tf.io.gfile.exists(health_path):
        return None
    with tf.io.gfile.GFile(health_path) as f:
        return json.load(f)


def health_line(health: Optional[dict]) -> Optional[str]:
    """One line of a run's latest training-health state (`training/health.py`): a warning while the
    depth network is collapsed, a note once it has recovered, None for a healthy (or unknown) run."""
    collapse = (health or {}).get("collapse")
    if not collapse:
        return None
    began = f"the depth network collapsed at step {collapse['step']} ({collapse['layer']}: {collapse['reason']})"
    last = health.get("last", {})
    if collapse.get("recovered") is None:
        return (f"WARNING: training recorded that {began} and had not recovered by its last check "
                f"(step {last.get('step')}): its depth does not depend on the image")
    spread = last.get("depth/spread")
    return (f"training health: {began} and recovered at step {collapse['recovered']}"
            + (f"; at its last check (step {last['step']}) the disparity spread across images was {spread:.3g}"
               if spread is not None else ""))

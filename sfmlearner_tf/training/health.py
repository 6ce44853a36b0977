"""Training health: does the depth network's output still depend on its input?

A depth network can collapse (DESIGN.md, 'Training health'): its encoder's ReLUs die and it
outputs one fixed map for every image, while the loss keeps falling. Two signals show it:

- the fraction of exactly-zero outputs of each encoder stage (of both networks): a stage whose
  outputs are all 0 passes nothing of the image on, and a ReLU that outputs 0 for every input
  gets no gradient and never recovers;
- the *spread* of the disparity across the images of a batch: the log-disparity of each image
  minus its own mean over the pixels (so that the global scale, which monocular training cannot
  know, does not count), then its standard deviation over the batch at each pixel, averaged over
  the pixels. A network that ignores its input gives 0; a healthy one tenths.

`HealthProbe` measures them on a training batch; `CollapseWatch` applies the rule below, warns
and records the verdict in the run directory (`health.json`), where evaluation and the demo
report read it back (`run_dir.read_health`, `run_dir.collapse_warning`).
"""

import json
import os
from typing import Callable, Optional

import numpy as np
import tensorflow as tf

from sfmlearner_tf.atomic_write import write_text
from sfmlearner_tf.run_dir import HEALTH_FILE, read_health
# A depth encoder stage with at least this fraction of exactly-zero outputs counts as dead.
# Measured (README, 'Training health'): about 0.5 at initialisation, 0.80 in a ReLU DispNet that
# learnt image-dependent depth (supervised, synthetic world), 0.915-0.965 in the collapsed runs.
DEAD_FRACTION = 0.9
# Disparity spread below which the output counts as independent of the input; 0.016 at
# initialisation. Measured over PATIENCE probes in a row, 50 steps apart (docs/training_health.md,
# 'Session 10'): runs whose maps ended 0.97-1.00 x their own mean map (image-blind) had 3 in a
# row below 0.0010-0.0030 (0 with a dead first stage, 7e-4 on real video); runs that went on to
# beat their mean map never had 3 in a row below 0.0044, most never below 0.02: a thin margin.
MIN_SPREAD = 0.004
# A dead stage is a collapse only while the output varies less than this across images (about
# the 0.016 of a network at initialisation; the collapsed demo run's log-depth varied by 0.011).
# Measured: a ReLU DispNet with 99 % of a stage dead kept a spread of 0.20 and scored 0.80 x its
# mean map (README, 'Training health'): dead units alone do not mean an image-blind output.
LIVE_SPREAD = 0.02
# Consecutive probes that must fail before the run is declared collapsed (one bad batch is not).
PATIENCE = 3


def zero_fraction(features: tf.Tensor) -> tf.Tensor:
    """float32 scalar: the fraction of entries of `features` (any shape) that are exactly 0."""
    return tf.reduce_mean(tf.cast(tf.equal(features, 0), tf.float32))


def disparity_spread(disparity: tf.Tensor) -> tf.Tensor:
    """How much the disparity's shape varies across a batch (module docstring).

    Args:
      disparity: float [B, H, W, 1], B >= 2, positive.

    Returns:
      float32 scalar >= 0: mean over pixels of std over the batch of the mean-normalized
      log-disparity; 0 when every image gets the same map up to scale.
    """
    log_disp = tf.math.log(tf.cast(disparity, tf.float32))
    normalized = log_disp - tf.reduce_mean(log_disp, axis=[1, 2, 3], keepdims=True)
    return tf.reduce_mean(tf.math.reduce_std(normalized, axis=0))


def health_values(depth_net, pose_net, target: tf.Tensor, sources: tf.Tensor) -> dict:
    """The health signals of one batch (float32 scalars), keyed for TensorBoard.

    `depth/<stage>` and `pose/<stage>`: zero fraction of each encoder stage; `depth/spread`: the
    disparity spread of the finest scale (NaN for a batch of one image, which has no spread).

    Args:
      target: float32 [B, H, W, 3], sources: float32 [B, H, W, 3N], in [-1, 1].
    """
    values = {}
    for index, features in enumerate(depth_net.encode(target), start=1):
        values[f"depth/cnv{index}b"] = zero_fraction(features)
    for index, features in enumerate(pose_net.encode(target, sources), start=1):
        values[f"pose/cnv{index}"] = zero_fraction(features)
    disparity = depth_net(target)[0]
    if target.shape[0] == 1:
        values["depth/spread"] = tf.constant(float("nan"))
    else:
        values["depth/spread"] = disparity_spread(disparity)
    return values


class HealthProbe:
    """`probe(distributed_batch) -> {name: float}` on the first replica's share of a batch."""

    def __init__(self, depth_net, pose_net, strategy: Optional[tf.distribute.Strategy] = None):
        self.strategy = strategy or tf.distribute.get_strategy()

        def replica(batch):
            return health_values(depth_net, pose_net, batch["target"], batch["sources"])

        def run(batch):
            per_replica = self.strategy.run(replica, args=(batch,))
            return tf.nest.map_structure(lambda v: self.strategy.experimental_local_results(v)[0], per_replica)

        self._run = tf.function(run, autograph=False)

    def __call__(self, distributed_batch) -> dict:
        return {name: float(value.numpy()) for name, value in self._run(distributed_batch).items()}


def collapse_reason(values: dict) -> Optional[tuple[str, str]]:
    """(layer, why) when `values` (from `health_values`) show a depth network that ignores its
    input, else None. The layer is the first dead depth encoder stage, or `output`."""
    spread = values.get("depth/spread", float("nan"))
    if np.isfinite(spread) and spread >= LIVE_SPREAD:
        return None
    for name, fraction in values.items():
        if name.startswith("depth/cnv") and fraction >= DEAD_FRACTION:
            return name.split("/", 1)[1], f"{fraction:.2%} of its outputs are exactly 0"
    if np.isfinite(spread) and spread < MIN_SPREAD:
        return "output", f"disparity spread across images {spread:.2e} < {MIN_SPREAD:g}"
    return None


def summary_line(values: dict) -> dict:
    """The few numbers of the console progress line: the worst stage of each network, the spread."""
    def worst(prefix):
        return max((v for k, v in values.items() if k.startswith(prefix)), default=float("nan"))

    return {"dead depth": worst("depth/cnv"), "dead pose": worst("pose/cnv"),
            "spread": values.get("depth/spread", float("nan"))}


class CollapseWatch:
    """Applies the collapse rule to successive probes, warns once, keeps `health.json` current.

    The rule: the depth network has collapsed when, for PATIENCE probes in a row, the disparity
    spread is below MIN_SPREAD, or a depth encoder stage has >= DEAD_FRACTION exactly-zero outputs
    while the spread is below LIVE_SPREAD.
    """

    def __init__(self, run_dir: str, warn: Callable[[str], None], write: bool = True):
        self.path = os.path.join(run_dir, HEALTH_FILE)
        self.warn, self.write = warn, write
        previous = read_health(run_dir) if write and os.path.isdir(run_dir) else None
        # A resumed run keeps the verdict of its earlier part.
        self.collapse = previous.get("collapse") if previous else None
        self.failing = 0

    def update(self, step: int, values: dict) -> None:
        reason = collapse_reason(values)
        self.failing = self.failing + 1 if reason else 0
        if reason and self.failing >= PATIENCE and self.collapse is None:
            layer, why = reason
            self.collapse = {"step": step, "layer": layer, "reason": why}
            self.warn(
                f"DEPTH NETWORK COLLAPSED at step {step}: {layer}: {why}, for {PATIENCE} checks in a row. "
                "Its depth no longer depends on the image; see README, 'Training health'."
            )
        if self.write:
            record = {"status": "collapsed" if self.collapse else "healthy", "collapse": self.collapse,
                      "last": {"step": step, **{k: _finite_or_none(v) for k, v in values.items()}}}
            write_text(self.path, json.dumps(record, indent=2, sort_keys=True) + "\n")


def _finite_or_none(value: float):
    return float(value) if np.isfinite(value) else None

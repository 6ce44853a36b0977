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
report read it back (`run_dir.read_health`, `run_dir.health_line`).
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
# initialisation. Measured with probes 50 steps apart (docs/training_health.md, 'Session 10'):
# runs whose maps ended 0.97-1.00 x their own mean map (image-blind) failed 3 probes in a row,
# i.e. over 100 steps, below 0.0010-0.0030 (0 with a dead first stage, 7e-4 on real video); runs
# that went on to beat their mean map never did below 0.0044, most never below 0.02: a thin margin.
MIN_SPREAD = 0.004
# A dead stage is a collapse only while the output varies less than this across images (about
# the 0.016 of a network at initialisation; the collapsed demo run's log-depth varied by 0.011).
# Measured: a ReLU DispNet with 99 % of a stage dead kept a spread of 0.20 and scored 0.80 x its
# mean map (README, 'Training health'): dead units alone do not mean an image-blind output.
LIVE_SPREAD = 0.02
# Training steps over which every probe must fail before a collapse is declared (one bad batch is
# not one), and pass before a collapsed network counts as recovered: the 100 steps spanned by the
# 3 probes of the calibration above, counted in steps so that the rule does not change with
# --log_every. A run probed less often than this needs two failing probes.
COLLAPSE_STEPS = 100
RECOVERY_STEPS = 100
SPREAD = "depth/spread"


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

    `depth/<layer>` and `pose/<layer>`: zero fraction of each encoder stage, named by the layer it
    comes from (`encoder_stage_names()` of the depth network); `depth/spread`: the
    disparity spread of the finest scale (NaN for a batch of one image, which has no spread).

    Args:
      target: float32 [B, H, W, 3], sources: float32 [B, H, W, 3N], in [-1, 1].
    """
    values = {}
    for name, features in zip(depth_net.encoder_stage_names(), depth_net.encode(target)):
        values[f"depth/{name}"] = zero_fraction(features)
    for index, features in enumerate(pose_net.encode(target, sources), start=1):
        values[f"pose/cnv{index}"] = zero_fraction(features)
    disparity = depth_net(target)[0]
    if target.shape[0] == 1:
        values[SPREAD] = tf.constant(float("nan"))
    else:
        values[SPREAD] = disparity_spread(disparity)
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


def depth_stages(values: dict) -> dict:
    """{layer: zero fraction} of the depth encoder stages in `values` (`health_values`, or a
    `health.json` record's `last`)."""
    return {name.split("/", 1)[1]: fraction for name, fraction in values.items()
            if name.startswith("depth/") and name != SPREAD}


def collapse_reason(values: dict) -> Optional[tuple[str, str]]:
    """(layer, why) when `values` (from `health_values`) show a depth network that ignores its
    input, else None. The layer is the first dead depth encoder stage, or `output`."""
    spread = values.get(SPREAD, float("nan"))
    if np.isfinite(spread) and spread >= LIVE_SPREAD:
        return None
    for layer, fraction in depth_stages(values).items():
        if fraction >= DEAD_FRACTION:
            return layer, f"{fraction:.2%} of its outputs are exactly 0"
    if np.isfinite(spread) and spread < MIN_SPREAD:
        return "output", f"disparity spread across images {spread:.2e} < {MIN_SPREAD:g}"
    return None


def summary_line(values: dict) -> dict:
    """The few numbers of the console progress line: the worst stage of each network, the spread."""
    pose = [v for k, v in values.items() if k.startswith("pose/")]
    return {"dead depth": max(depth_stages(values).values(), default=float("nan")),
            "dead pose": max(pose, default=float("nan")), "spread": values.get(SPREAD, float("nan"))}


class CollapseWatch:
    """Applies the collapse rule to successive probes, warns, keeps `health.json` current.

    The rule: the depth network has collapsed once every probe over COLLAPSE_STEPS steps finds the
    disparity spread below MIN_SPREAD, or a depth encoder stage with >= DEAD_FRACTION exactly-zero
    outputs while the spread is below LIVE_SPREAD. It has recovered once every probe over
    RECOVERY_STEPS steps finds neither. Each collapse is an episode `{"step": first failing probe,
    "declared": step of the verdict, "layer", "reason", "recovered": first passing probe or None}`;
    `health.json` keeps them all, and its `status` is the latest state: healthy (never collapsed),
    collapsed, or recovered.
    """

    def __init__(self, run_dir: str, warn: Callable[[str], None], write: bool = True,
                 inform: Optional[Callable[[str], None]] = None):
        self.path = os.path.join(run_dir, HEALTH_FILE)
        self.warn, self.inform, self.write = warn, inform or warn, write
        previous = read_health(run_dir) if write and os.path.isdir(run_dir) else None
        # A resumed run keeps the episodes of its earlier part.
        self.episodes = episodes(previous)
        # First step of the current run of failing probes, and of passing ones (one is always None).
        self._failing_since: Optional[int] = None
        self._clear_since: Optional[int] = None

    @property
    def collapsed(self) -> bool:
        return bool(self.episodes) and self.episodes[-1]["recovered"] is None

    def update(self, step: int, values: dict) -> None:
        reason = collapse_reason(values)
        if reason:
            self._clear_since = None
            if self._failing_since is None:
                self._failing_since = step
            first = self._failing_since
            if not self.collapsed and step - first >= COLLAPSE_STEPS:
                layer, why = reason
                self.episodes.append({"step": first, "declared": step, "layer": layer, "reason": why,
                                      "recovered": None})
                self.warn(f"DEPTH NETWORK COLLAPSED at step {first}: {layer}: {why}, on every check of steps "
                          f"{first}-{step}. Its depth no longer depends on the image; see README, 'Training health'.")
        else:
            self._failing_since = None
            if self._clear_since is None:
                self._clear_since = step
            if self.collapsed and step - self._clear_since >= RECOVERY_STEPS:
                self.episodes[-1]["recovered"] = self._clear_since
                self.inform(f"depth network recovered at step {self._clear_since} from its collapse at step "
                            f"{self.episodes[-1]['step']}: its depth depends on the image again "
                            f"(spread {values.get(SPREAD, float('nan')):.3g}).")
        if self.write:
            record = {"status": status(self.episodes), "collapse": self.episodes[-1] if self.episodes else None,
                      "episodes": self.episodes,
                      "last": {"step": step, **{k: _finite_or_none(v) for k, v in values.items()}}}
            write_text(self.path, json.dumps(record, indent=2, sort_keys=True) + "\n")


def episodes(health: Optional[dict]) -> list:
    """The collapse episodes of a `health.json` record (one written before episodes were: its one
    collapse, never recovered)."""
    if not health:
        return []
    if "episodes" in health:
        return [dict(episode) for episode in health["episodes"]]
    collapse = health.get("collapse")
    return [{"declared": collapse["step"], "recovered": None, **collapse}] if collapse else []


def status(collapse_episodes: list) -> str:
    if not collapse_episodes:
        return "healthy"
    return "collapsed" if collapse_episodes[-1]["recovered"] is None else "recovered"


def _finite_or_none(value: float):
    return float(value) if np.isfinite(value) else None

"""The camera a `--learn_intrinsics` run has learnt, per sequence, and whether its focal length means anything.

The pose network predicts K for every snippet (`PoseExpNet`, learn_intrinsics). A sequence's K is
the mean over its snippets, with their spread; it is given at the network's input size and at the
records' stored size (the project's resize rule).

The focal length is observable only through rotation (monodepth2 #9; Gordon et al. 2019): under
pure translation, forward motion's flow does not depend on f at all and sideways motion's depends
on f / depth only, so f trades against the depth. Rotation by θ moves a pixel x from the centre by
about f·θ + θ·x²/f, and since θ is predicted too, only the second term pins f: a focal length off
by `FOCAL_TOLERANCE` changes the flow at the image's edge (x = W / 2) by FOCAL_TOLERANCE · θ ·
(W/2)² / f. A snippet *rotates enough* when that reaches `MIN_FLOW_CHANGE` pixels, i.e. when
θ >= MIN_FLOW_CHANGE · f / (FOCAL_TOLERANCE · (W/2)²) (0.031 rad, 1.8°, at f = 0.8 W and W = 208).
A sequence where fewer than `MIN_ROTATING_FRACTION` of the snippets rotate enough gets a warning
instead of a focal length that means nothing. The rotations are the pose network's own.
"""

from typing import Optional

import numpy as np

from sfmlearner_tf.config import DataConfig
from sfmlearner_tf.data import make_dataset
from sfmlearner_tf.data.dataset_info import read_dataset_info
from sfmlearner_tf.geometry import resize_intrinsics
from sfmlearner_tf.run_dir import restore_models

FOCAL_TOLERANCE = 0.05
MIN_FLOW_CHANGE = 0.1
MIN_ROTATING_FRACTION = 0.05
PARAMETERS = ("fx", "fy", "cx", "cy")


def min_rotation(focal: float, width: int) -> float:
    """Radians a snippet must rotate for a FOCAL_TOLERANCE error of `focal` to move the image's
    edge by MIN_FLOW_CHANGE pixels (module docstring)."""
    return MIN_FLOW_CHANGE * focal / (FOCAL_TOLERANCE * (width / 2) ** 2)


def _statistics(matrices: np.ndarray) -> dict:
    values = {"fx": matrices[:, 0, 0], "fy": matrices[:, 1, 1], "cx": matrices[:, 0, 2], "cy": matrices[:, 1, 2]}
    return {name: {"mean": float(np.mean(v)), "std": float(np.std(v))} for name, v in values.items()}


def learned_intrinsics(run_dir: str, dataset_dir: str, split: str = "train", batch_size: int = 8,
                       max_snippets: Optional[int] = None) -> dict:
    """{"network_size", "stored_size", "sequences": {name: {"snippets", "network", "stored",
    "rotation", "focal_observable", "warning"}}} for the snippets of a split (see module docstring).

    `network` and `stored` hold mean and std of fx, fy, cx, cy; `rotation` the median and 90th
    percentile of each snippet's largest rotation (radians), the threshold and the fraction of
    snippets above it.
    """
    config, _, pose_net = restore_models(run_dir)
    if not config.model.learn_intrinsics:
        raise ValueError(f"{run_dir} was trained without --learn_intrinsics: its camera is the records' K")
    info = read_dataset_info(dataset_dir)
    height, width = config.model.height, config.model.width
    stored_height, stored_width = int(info["height"]), int(info["width"])
    dataset = make_dataset(dataset_dir, split, DataConfig(dataset_dir=dataset_dir, batch_size=batch_size, augment=False),
                           config.model, training=False)
    matrices, rotations, names = [], [], []
    for batch in dataset:
        outputs = pose_net(batch["target"], batch["sources"])
        matrices.append(outputs["intrinsics"].numpy())
        rotations.append(np.linalg.norm(outputs["pose"].numpy()[..., 3:], axis=-1).max(axis=-1))
        names += [name.decode() for name in batch["sequence"].numpy()]
        if max_snippets is not None and len(names) >= max_snippets:
            break
    if not names:
        raise ValueError(f"split {split!r} of {dataset_dir} holds no snippet")
    matrices = np.concatenate(matrices)[:len(names)]
    rotations = np.concatenate(rotations)[:len(names)]
    stored = resize_intrinsics(matrices, stored_width / width, stored_height / height).numpy()
    sequences = {}
    for name in sorted(set(names)):
        rows = np.array([n == name for n in names])
        network = _statistics(matrices[rows])
        threshold = min_rotation(network["fx"]["mean"], width)
        rotating = float(np.mean(rotations[rows] >= threshold))
        observable = rotating >= MIN_ROTATING_FRACTION
        sequences[name] = {
            "snippets": int(rows.sum()),
            "network": network,
            "stored": _statistics(stored[rows]),
            "rotation": {"median": float(np.median(rotations[rows])), "p90": float(np.percentile(rotations[rows], 90)),
                         "threshold": threshold, "rotating_fraction": rotating},
            "focal_observable": observable,
            "warning": "" if observable else (
                f"sequence {name}: the camera hardly rotates ({100 * rotating:.0f}% of snippets rotate "
                f"{threshold:.3f} rad or more, {100 * MIN_ROTATING_FRACTION:.0f}% needed), so its focal length "
                "cannot be told from its depth: fx, fy mean nothing here"),
        }
    return {"network_size": [height, width], "stored_size": [stored_height, stored_width], "split": split,
            "sequences": sequences}


def format_learned_intrinsics(result: dict) -> str:
    height, width = result["stored_size"]
    lines = [f"learned intrinsics at the records' size {width}x{height} (mean ± std over snippets):",
             f"{'sequence':>20} {'snippets':>8} " + " ".join(f"{name:>16}" for name in PARAMETERS)]
    for name, sequence in result["sequences"].items():
        cells = [f"{sequence['stored'][p]['mean']:9.2f} ±{sequence['stored'][p]['std']:5.2f}" for p in PARAMETERS]
        lines.append(f"{name:>20} {sequence['snippets']:>8} " + " ".join(f"{cell:>16}" for cell in cells))
    lines += [s["warning"] for s in result["sequences"].values() if s["warning"]]
    return "\n".join(lines)

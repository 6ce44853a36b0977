"""Periodic validation: the photometric objective on the `val` split, and depth error where the
records carry ground truth."""

from typing import Callable

import tensorflow as tf

from sfmlearner_tf.config import Config
from sfmlearner_tf.data import make_dataset
from sfmlearner_tf.data.dataset_info import read_dataset_info
from sfmlearner_tf.evaluation.depth_eval import DepthEvaluation
from sfmlearner_tf.evaluation.depth_metrics import DEPTH_METRIC_NAMES
from sfmlearner_tf.losses import compute_losses
from sfmlearner_tf.training.train_step import TERM_KEYS, forward

VAL_SPLIT = "val"


def check_val_split(dataset_dir: str) -> None:
    """Raises ValueError when the dataset has no `val` split (validation was asked for)."""
    splits = read_dataset_info(dataset_dir)["splits"]
    if VAL_SPLIT not in splits:
        raise ValueError(
            f"--val_every needs a {VAL_SPLIT!r} split, {dataset_dir!r} has only {sorted(splits)}"
        )


class Validator:
    """Runs the networks over the first `max_batches` batches of the val split (no augmentation).

    `run()` returns `loss/<term>` means over the examples and, when the split has ground-truth
    depth, `depth/abs_rel` (and the other metrics) with per-image median scaling (the depth of
    the networks is known only up to scale), averaged over images, and
    `depth/abs_rel_vs_mean_map`, the model's abs_rel over its own mean map's: about 1 while the
    depth does not depend on the image (DESIGN.md, 'Training health').
    """

    def __init__(self, depth_net, pose_net, config: Config, max_batches: int, loss_fn: Callable = compute_losses):
        self.depth_net, self.pose_net = depth_net, pose_net
        self.config = config
        self.max_batches = max_batches
        self.loss_fn = loss_fn
        self.dataset = make_dataset(
            config.data.dataset_dir, VAL_SPLIT, config.data, config.model,
            num_scales=config.loss.num_scales, training=False,
        )
        self._evaluate = tf.function(self._evaluate_batch, autograph=False)

    def _evaluate_batch(self, batch):
        output, disparities, _ = forward(self.depth_net, self.pose_net, batch, self.config.loss, self.loss_fn)
        return {key: output.terms[key] for key in TERM_KEYS}, 1.0 / disparities[0]

    def run(self) -> dict[str, float]:
        sums = {key: 0.0 for key in TERM_KEYS}
        examples = 0
        depth = DepthEvaluation()
        for batch in self.dataset.take(self.max_batches):
            terms, predicted = self._evaluate(batch)
            size = int(batch["target"].shape[0])
            for key in TERM_KEYS:
                sums[key] += float(terms[key]) * size
            examples += size
            if "gt_depth" in batch:
                for gt, pred in zip(batch["gt_depth"].numpy()[..., 0], predicted.numpy()[..., 0]):
                    depth.add(gt, pred)
        if examples == 0:
            raise ValueError(f"the {VAL_SPLIT!r} split of {self.config.data.dataset_dir!r} is empty")
        results = {f"loss/{key}": total / examples for key, total in sums.items()}
        if depth.model.count:
            evaluated = depth.result()
            results.update({f"depth/{name}": evaluated["model"][name] for name in DEPTH_METRIC_NAMES})
            results["depth/abs_rel_vs_mean_map"] = evaluated["ratios"]["mean_map"]["abs_rel"]
        return results

"""The view-synthesis objective: photometric (L1, SSIM), smoothness, explainability, all scales.

`compute_losses` is the only place the scale and source loops live; the term functions are
exported for tests and for summaries.
"""

from sfmlearner_tf.losses.explainability import explainability_loss
from sfmlearner_tf.losses.multiscale import LossOutput, area_downsample, compute_losses, logit_range_penalty
from sfmlearner_tf.losses.photometric import l1_error, photometric_error, ssim_error
from sfmlearner_tf.losses.smoothness import edge_aware_smoothness, second_order_smoothness

__all__ = [
    "LossOutput",
    "area_downsample",
    "compute_losses",
    "edge_aware_smoothness",
    "explainability_loss",
    "l1_error",
    "logit_range_penalty",
    "photometric_error",
    "second_order_smoothness",
    "ssim_error",
]

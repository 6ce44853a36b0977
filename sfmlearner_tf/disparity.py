"""The disparity head's output map, `disp = 10 * sigmoid(x) + 0.01`, and its saturation bounds.

Shared by the network (`models.dispnet`), the loss (`losses.multiscale`, the logit-range term) and
export (`export/inference_graph.py`, the logit clip), so that none reaches into another's file.
`export/lite_runtime.py` repeats the two constants: it must not import TensorFlow or Keras.
"""

import math

from keras import ops

# disp = DISP_SCALING * sigmoid(x) + MIN_DISP (the reference's constants).
DISP_SCALING = 10.0
MIN_DISP = 0.01
# The logits x between which the sigmoid is not saturated. Below LOGIT_FLOOR (about -9.9) the
# first term of disp is under 5 % of MIN_DISP, so disp is within 5 % of its floor; above
# LOGIT_CEILING (ln 19, about 2.94) 1 - sigmoid(x) < 0.05, so disp is within 5 % of its ceiling.
# Logits beyond them change no depth by more than 5 %, yet training can drive them to -200 or
# +150, with decoder activations in the hundreds to match; the loss's `logit_range_weight` keeps
# them in, and the TFLite graph clips to them (export/inference_graph.py).
LOGIT_FLOOR = math.log(0.05 * MIN_DISP / DISP_SCALING)
LOGIT_CEILING = math.log(19.0)


def logit_of_depth(depth: float) -> float:
    """The logit x whose disparity is 1 / depth: x = ln(p / (1 - p)), p = (1 / depth - MIN_DISP) / DISP_SCALING.

    Depths in (1 / (DISP_SCALING + MIN_DISP), 1 / MIN_DISP), i.e. about (0.1, 100), have one;
    0 means "the network's own initialisation" and gives logit 0 (disparity 5.01, depth 0.2).
    """
    if depth == 0:
        return 0.0
    share = (1.0 / depth - MIN_DISP) / DISP_SCALING
    if not 0 < share < 1:
        raise ValueError(f"initial depth must be in ({1 / (DISP_SCALING + MIN_DISP):.4g}, {1 / MIN_DISP:g}), got {depth}")
    return math.log(share / (1.0 - share))


def disparity_from_logits(logits):
    """A head's logit -> disparity: float32 [..., 1] -> `10 * sigmoid(x) + 0.01` in (0.01, 10.01].

    keras.ops rather than tf: DispNet also calls it on symbolic Keras tensors while building.
    """
    return DISP_SCALING * ops.sigmoid(logits) + MIN_DISP

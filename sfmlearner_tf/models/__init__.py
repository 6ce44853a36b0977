"""The two networks of SfMLearner: `DispNet` (depth) and `PoseExpNet` (ego-motion + explainability)."""

from sfmlearner_tf.models.dispnet import DispNet
from sfmlearner_tf.models.pose_exp_net import PoseExpNet

__all__ = ["DispNet", "PoseExpNet"]

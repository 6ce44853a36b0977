"""The two networks of SfMLearner, `DispNet` (depth) and `PoseExpNet` (ego-motion + explainability),
the compact depth network `MobileDepthNet`, the `DepthNet` interface both depth networks share,
and the weightless `ProjectiveWarp` layer."""

from sfmlearner_tf.models.depth_net import DepthNet
from sfmlearner_tf.models.dispnet import DispNet
from sfmlearner_tf.models.mobile_depth import MobileDepthNet
from sfmlearner_tf.models.pose_exp_net import PoseExpNet
from sfmlearner_tf.models.projective_warp import ProjectiveWarp

__all__ = ["DepthNet", "DispNet", "MobileDepthNet", "PoseExpNet", "ProjectiveWarp"]

"""The training step: one `tf.function` that runs both networks, the loss and Adam, returning logs.

Under a `tf.distribute` strategy each replica computes the loss of its share of the batch (a mean
over the per-replica batch, as `compute_losses` returns it) divided by the number of replicas, so
that the optimizer's all-reduce SUM of the replicas' gradients is the gradient of the mean over the
global batch.
"""

from typing import Callable, Optional

import tensorflow as tf

from sfmlearner_tf.config import LossConfig
from sfmlearner_tf.disparity import disparity_from_logits
from sfmlearner_tf.geometry import intrinsics_pyramid
from sfmlearner_tf.losses import compute_losses

# Images returned by the step for summaries (the first examples of the first replica).
SUMMARY_EXAMPLES = 2
TERM_KEYS = ("total", "photometric", "smoothness", "explainability", "logit_range", "velocity")


def forward(depth_net, pose_net, batch: dict, loss_config: LossConfig, loss_fn: Callable = compute_losses,
            step: Optional[tf.Tensor] = None):
    """Both networks and the loss on one (per-replica) batch.

    Args:
      batch: `target` float32 [B,H,W,3] and `sources` float32 [B,H,W,3N] in [-1, 1];
        `intrinsics` float32 [B,S,3,3], scale s = input size / 2^s; `gt_poses` float32
        [B,N+1,3,4] when the records carry them (velocity supervision).
      step: the training steps done (for the loss's warm-ups), or None after training.
    Returns:
      (LossOutput, disparities: list of float32 [B,H/2^s,W/2^s,1] finest first,
       masks: list of float32 [B,H/2^s,W/2^s,N] finest first, or None without explainability).
    """
    # Under mixed precision the networks compute in float16 or bfloat16; the heads' logits and the
    # loss are float32. `disparity_logits` is the walk `depth_net(...)` takes, stopped before the
    # sigmoid, which the loss's logit-range term needs.
    logits = [tf.cast(x, tf.float32) for x in depth_net.disparity_logits(batch["target"])]
    disparities = [disparity_from_logits(x) for x in logits]
    pose_outputs = pose_net(batch["target"], batch["sources"])
    poses = tf.cast(pose_outputs["pose"], tf.float32)
    masks = pose_outputs.get("masks")
    if masks is not None:
        masks = [tf.cast(m, tf.float32) for m in masks]
    intrinsics = batch["intrinsics"]
    if "intrinsics" in pose_outputs:
        # Learned intrinsics replace the records': the loss warps with the snippet's own K.
        intrinsics = intrinsics_pyramid(pose_outputs["intrinsics"], intrinsics.shape[1])
    output = loss_fn(loss_config, batch["target"], batch["sources"], intrinsics, disparities, poses, masks,
                     logits, step, batch.get("gt_poses"))
    return output, disparities, masks


def replica_gradients(depth_net, pose_net, optimizer, batch, loss_config, num_replicas=1, loss_fn=compute_losses,
                      step=None):
    """Loss terms, this replica's gradients and the images for summaries.

    Returns:
      (terms: dict of float32 scalars (per-replica means, unscaled),
       grads: list aligned with `depth_net.trainable_variables + pose_net.trainable_variables`,
         of the loss divided by `num_replicas`, multiplied by the optimizer's loss scale,
       images: dict of the first SUMMARY_EXAMPLES examples, see `summaries.write_images`).
    """
    variables = depth_net.trainable_variables + pose_net.trainable_variables
    with tf.GradientTape() as tape:
        output, disparities, masks = forward(depth_net, pose_net, batch, loss_config, loss_fn, step)
        scaled_loss = optimizer.scale_loss(output.terms["total"] / num_replicas)
    grads = tape.gradient(scaled_loss, variables)
    images = {
        "target": batch["target"][:SUMMARY_EXAMPLES],
        "disparity": disparities[0][:SUMMARY_EXAMPLES],
        "warped": output.warped[:SUMMARY_EXAMPLES],
        "valid": output.valid[:SUMMARY_EXAMPLES],
    }
    if masks is not None:
        images["mask"] = masks[0][:SUMMARY_EXAMPLES]
    return output.terms, grads, images


class TrainStep:
    """`step(distributed_batch) -> (logs, images)`, one optimizer update of both networks.

    `logs` holds float32 scalars: every loss term (mean over replicas = over the global batch),
    `grad_norm` (global norm of the gradient of the per-replica mean loss, averaged over replicas;
    exact on one replica), and `all_finite` (1.0 when every term and the gradient norm are finite
    on every replica, else 0.0). The caller must check `all_finite` before saving: the update is
    applied regardless, because a `tf.cond` around Keras's cross-replica apply is not supported.
    Under mixed precision the loss-scale optimizer itself skips updates whose gradients overflowed,
    so only the loss terms count towards `all_finite` there.
    """

    def __init__(self, depth_net, pose_net, optimizer, step: tf.Variable, loss_config: LossConfig,
                 strategy: Optional[tf.distribute.Strategy] = None, jit_compile: bool = False,
                 loss_fn: Callable = compute_losses):
        self.depth_net, self.pose_net = depth_net, pose_net
        self.optimizer, self.step = optimizer, step
        self.loss_config = loss_config
        self.strategy = strategy or tf.distribute.get_strategy()
        self.loss_fn = loss_fn
        self.loss_scaled = hasattr(optimizer, "dynamic_scale")
        # XLA compiles the forward and backward pass; the optimizer update stays outside, since
        # the distributed apply (merge_call) cannot be compiled. The step has no tensor-dependent
        # Python control flow, and AutoGraph's source conversion of the networks, geometry and
        # loss would double the tracing time.
        self._gradients = tf.function(self._replica_gradients, jit_compile=jit_compile, autograph=False)
        self._step = tf.function(self._distributed_step, autograph=False)

    def _replica_gradients(self, batch):
        return replica_gradients(
            self.depth_net, self.pose_net, self.optimizer, batch, self.loss_config,
            self.strategy.num_replicas_in_sync, self.loss_fn, self.step,
        )

    def _replica_step(self, batch):
        terms, grads, images = self._gradients(batch)
        variables = self.depth_net.trainable_variables + self.pose_net.trainable_variables
        # Norm of the gradient of this replica's mean loss: undo the 1/num_replicas and loss scale.
        grad_norm = tf.linalg.global_norm(grads) * float(self.strategy.num_replicas_in_sync)
        if self.loss_scaled:
            grad_norm = grad_norm / tf.cast(self.optimizer.dynamic_scale, tf.float32)
        checked = [terms[key] for key in TERM_KEYS] + ([] if self.loss_scaled else [grad_norm])
        all_finite = tf.reduce_all(tf.math.is_finite(tf.stack(checked)))
        self.optimizer.apply_gradients(zip(grads, variables))
        logs = {key: terms[key] for key in TERM_KEYS}
        logs["grad_norm"] = grad_norm
        logs["all_finite"] = tf.cast(all_finite, tf.float32)
        return logs, images

    def _distributed_step(self, batch):
        logs, images = self.strategy.run(self._replica_step, args=(batch,))
        reduced = {
            key: self.strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
            for key, value in logs.items() if key != "all_finite"
        }
        # All finite on every replica <=> the mean of the 0/1 flags is 1.
        finite_mean = self.strategy.reduce(tf.distribute.ReduceOp.MEAN, logs["all_finite"], axis=None)
        reduced["all_finite"] = tf.cast(finite_mean >= 1.0, tf.float32)
        self.step.assign_add(1)
        first_replica = tf.nest.map_structure(lambda v: self.strategy.experimental_local_results(v)[0], images)
        return reduced, first_replica

    def __call__(self, distributed_batch):
        return self._step(distributed_batch)

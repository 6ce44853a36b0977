"""The view-synthesis objective over all scales and sources: the one place those loops live.

Per scale s (DESIGN.md, 'Loss'): the target and sources are area-downsampled by 2^s (or, with
`full_res_warp`, the disparity is upsampled to the input size instead), every source is warped
into the target view with depth = 1 / disp_s. With `normalize_disparity`, disp_s is first
divided by its mean over each image (Wang et al., CVPR 2018), for the warp and the smoothness
alike: the loss then sees depth only up to scale, and the pose network's translation carries the
scale. Without it nothing pins the depth's scale, and training can push the whole map to the
disparity floor (everything at infinity, where rotation alone explains the motion) or leave it
near its initial value while the pose adapts (README, 'Training health').

With `pose_refinement_steps`, each snippet's predicted pose is first refined by Gauss-Newton
steps of direct photometric alignment at scale 1, against the current depth
(`geometry.direct_alignment`), and every term below is evaluated at the refined pose. The
refinement enters as a constant offset: the depth network learns against a pose that fits its
snippet, and the pose network receives the loss's gradient at that pose.

The terms are

    photometric_s = sum_n  sum_p(e_n(p) k_n(p)) / max(sum_p k_n(p), 1)
    explainability_s = lambda_e * sum_n mean(-log m_n)
    smoothness_s = lambda_s / 2^s * smooth(y_s)        (lambda_s ramped up over smooth_warmup_steps)
    logit_range_s = lambda_r * mean(relu(LOGIT_FLOOR - x_s) + relu(x_s - LOGIT_CEILING))

where y_s is 1 / disp_s (`smoothness` depth, the default: the PyTorch port's prior) or disp_s
(disparity: the paper's TF code; edge_aware: the first-order prior on it), e_n = err_n m_n,
err is L1 (or SSIM + L1) and m the explainability mask (1 when off), and
k_n = `valid` with mask_invalid (the projection lands in the source and in front of it), else 1.
With mask_invalid off this is the paper's mean(err * m); with it on it is the mean over the
pixels that land in the source. `auto_mask` scores every pixel by min(e_n, identity_n), the
error of the unwarped source, with an unusable warp counting as no warp (and k = 1), as
monodepth2 does. `min_reprojection` replaces the sum over sources by the per-pixel minimum
(over the usable sources). `logit_range` (lambda_r = `logit_range_weight`, 0 in the paper) acts
on the disparity logits x_s (disp_s = 10 sigmoid(x_s) + 0.01) only where the sigmoid saturates,
and pulls them back to where it does not. Every term is summed over scales. One term has no
scale: `velocity` (lambda_v = `velocity_weight`, 0 in the paper) = lambda_v * mean| ||t|| - ||t_true|| |
over the network's (unrefined) translations, from the records' ground-truth poses (velocity.py).
With `photometric_scales` = k > 0 the photometric term is taken at the k finest scales only, the
others keep their priors: the PyTorch port without the explainability mask takes the finest
scale only (its loss zips the depth scales with a one-element mask list).
"""

from typing import NamedTuple, Optional, Sequence

import tensorflow as tf

from sfmlearner_tf.config import LossConfig
from sfmlearner_tf.disparity import LOGIT_CEILING, LOGIT_FLOOR
from sfmlearner_tf.geometry.direct_alignment import refine_pose
from sfmlearner_tf.losses.explainability import explainability_loss
from sfmlearner_tf.losses.photometric import photometric_error
from sfmlearner_tf.losses.smoothness import edge_aware_smoothness, second_order_smoothness
from sfmlearner_tf.losses.velocity import velocity_loss
from sfmlearner_tf.models.projective_warp import ProjectiveWarp

# Disparity floor before 1 / disp (DispNet's outputs are >= 0.01; this only guards other callers).
MIN_DISPARITY = 1e-3
# Stands in for the error of an invalid source in the per-pixel minimum (errors are <= 2).
_UNUSABLE_ERROR = 1e3
# monodepth2 breaks ties between identical warped and identity errors with noise of this size.
_TIE_NOISE = 1e-5
# Pose refinement aligns at this scale: a quarter of the pixels of scale 0, and a wider basin.
REFINEMENT_SCALE = 1


class LossOutput(NamedTuple):
    """terms: dict of float32 scalars `total`, `photometric`, `smoothness`, `explainability`, `logit_range`,
    `velocity`;
    warped: float32 [B, H, W, 3N], sources warped into the target view at scale 0;
    valid: float32 [B, H, W, N], their validity (1 = inside the source and in front)."""

    terms: dict
    warped: tf.Tensor
    valid: tf.Tensor


def area_downsample(image: tf.Tensor, scale: int) -> tf.Tensor:
    """Mean over 2^scale x 2^scale blocks: [B, H, W, C] -> [B, H / 2^s, W / 2^s, C]."""
    if scale == 0:
        return image
    factor = 2**scale
    return tf.nn.avg_pool2d(image, ksize=factor, strides=factor, padding="VALID")


def _loss_disparity(config: LossConfig, disparity: tf.Tensor) -> tf.Tensor:
    """A disparity map as the loss uses it: float32, and divided by its mean with normalize_disparity."""
    disparity = tf.cast(disparity, tf.float32)
    if config.normalize_disparity:
        disparity = disparity / tf.reduce_mean(disparity, axis=[1, 2, 3], keepdims=True)
    return disparity


def _depth(disparity: tf.Tensor) -> tf.Tensor:
    """1 / disparity, the disparity floored at MIN_DISPARITY."""
    return 1.0 / tf.maximum(disparity, MIN_DISPARITY)


def _refined_poses(config, target, sources, intrinsics, disparities, poses) -> tf.Tensor:
    """`poses` [B, N, 6] plus each snippet's Gauss-Newton correction, added as a constant."""
    scale = min(REFINEMENT_SCALE, len(disparities) - 1)
    depth = _depth(_loss_disparity(config, disparities[scale]))
    target_s, sources_s = area_downsample(target, scale), area_downsample(sources, scale)
    refined = tf.stack([
        refine_pose(target_s, sources_s[..., 3 * n : 3 * n + 3], depth, poses[:, n], intrinsics[:, scale],
                    config.pose_refinement_steps)
        for n in range(poses.shape[1])
    ], axis=1)
    return poses + tf.stop_gradient(refined - poses)


def _view_synthesis(config, scale, disp, explain, target, sources, intrinsics, poses):
    """Scale s's photometric term, and its warped sources [B, h, w, 3N] and validity [B, h, w, N].

    disp: float32 [B, H/2^s, W/2^s, 1] as the loss uses it; explain: its mask [.., N] or None.
    """
    if config.full_res_warp:
        full_size = tf.shape(target)[1:3]
        disp = tf.image.resize(disp, full_size, method="bilinear")
        if explain is not None:
            explain = tf.image.resize(explain, full_size, method="bilinear")
        warp_target, warp_sources, warp_k = target, sources, intrinsics[:, 0]
    else:
        warp_target = area_downsample(target, scale)
        warp_sources = area_downsample(sources, scale)
        warp_k = intrinsics[:, scale]
    depth = _depth(disp)

    warp = ProjectiveWarp()
    warped, valid, errors, identity_errors = [], [], [], []
    for n in range(poses.shape[1]):
        source = warp_sources[..., 3 * n : 3 * n + 3]
        warped_n, valid_n = warp(source, depth, poses[:, n], warp_k)
        warped.append(warped_n)
        valid.append(valid_n)
        errors.append(photometric_error(warp_target, warped_n, config.ssim, config.ssim_alpha))
        if config.auto_mask:
            identity = photometric_error(warp_target, source, config.ssim, config.ssim_alpha)
            # Deterministic tie-breaking noise, so static pixels are not kept by accident.
            noise = tf.random.stateless_normal(tf.shape(identity), seed=[scale, n])
            identity_errors.append(identity + _TIE_NOISE * noise)
    errors = tf.concat(errors, axis=-1)
    valid = tf.concat(valid, axis=-1)
    if explain is None:
        explain = tf.ones_like(errors)
    term = _photometric_term(config, errors, explain, valid,
                             tf.concat(identity_errors, axis=-1) if config.auto_mask else None)
    return term, tf.concat(warped, axis=-1), valid


def _masked_mean(values: tf.Tensor, keep: tf.Tensor) -> tf.Tensor:
    """sum(values * keep) / max(sum(keep), 1) over every axis."""
    return tf.reduce_sum(values * keep) / tf.maximum(tf.reduce_sum(keep), 1.0)


def _photometric_term(config, errors, explain, valid, identity_errors):
    """One scale's photometric term from stacked per-source maps, each float32 [B, h, w, N]."""
    weighted = errors * explain
    usable = valid if config.mask_invalid else tf.ones_like(weighted)
    if config.auto_mask:
        # monodepth2's auto-mask: every pixel scores the better of its warp and no warp at all.
        # The identity error depends on the data only, so a pixel the unwarped source explains
        # (a static camera, an object moving with it) adds no gradient; and since a warp that
        # leaves the source counts as no warp, neither pushing pixels out of view nor making
        # them "static" can take the loss below the identity error. (Dropping such pixels and
        # averaging over the rest, as a plain mask would, has an all-dropped state of loss 0
        # that training can fall into and never leave.)
        weighted = tf.minimum(tf.where(usable > 0, weighted, identity_errors), identity_errors)
        usable = tf.ones_like(weighted)
    if config.min_reprojection:
        keep = tf.reduce_max(usable, axis=-1, keepdims=True)
        best = tf.reduce_min(tf.where(usable > 0, weighted, _UNUSABLE_ERROR), axis=-1, keepdims=True)
        # Pixels with no usable source hold _UNUSABLE_ERROR in `best`; keep = 0 drops them.
        return _masked_mean(tf.where(keep > 0, best, 0.0), keep)
    sums = tf.reduce_sum(weighted * usable, axis=[0, 1, 2])
    counts = tf.maximum(tf.reduce_sum(usable, axis=[0, 1, 2]), 1.0)
    return tf.reduce_sum(sums / counts)


def logit_range_penalty(logits: tf.Tensor) -> tf.Tensor:
    """Mean distance of the logits outside [LOGIT_FLOOR, LOGIT_CEILING]: float [B, h, w, 1] -> scalar."""
    logits = tf.cast(logits, tf.float32)
    return tf.reduce_mean(tf.nn.relu(LOGIT_FLOOR - logits) + tf.nn.relu(logits - LOGIT_CEILING))


def _check_inputs(config, sources, disparities, poses, masks, logits) -> int:
    if poses.shape.rank != 3 or poses.shape[1] is None or poses.shape[2] != 6:
        raise ValueError(f"expected poses of shape [B, N, 6] with N known, got {poses.shape}")
    num_source = poses.shape[1]
    if sources.shape[-1] is not None and sources.shape[-1] != 3 * num_source:
        raise ValueError(
            f"expected sources with 3 * {num_source} channels for poses {poses.shape}, "
            f"got {sources.shape}"
        )
    if len(disparities) < config.num_scales:
        raise ValueError(
            f"num_scales={config.num_scales} needs that many disparities, got {len(disparities)}"
        )
    if config.logit_range_weight > 0 and (logits is None or len(logits) < config.num_scales):
        raise ValueError(
            f"logit_range_weight={config.logit_range_weight} needs {config.num_scales} disparity logit "
            f"scales, got {None if logits is None else len(logits)}"
        )
    if config.explainability:
        if masks is None or len(masks) < config.num_scales:
            raise ValueError(
                f"explain_weight={config.explain_weight} needs {config.num_scales} mask scales, "
                f"got {None if masks is None else len(masks)}"
            )
        for mask in masks[: config.num_scales]:
            if mask.shape[-1] is not None and mask.shape[-1] != num_source:
                raise ValueError(f"expected masks with {num_source} channels, got {mask.shape}")
    return num_source


# Every branch and loop below is on Python values (config switches, static counts), so AutoGraph
# has nothing to convert; skipping it saves seconds of tracing per training step function.
@tf.autograph.experimental.do_not_convert
def compute_losses(
    config: LossConfig,
    target: tf.Tensor,
    sources: tf.Tensor,
    intrinsics: tf.Tensor,
    disparities: Sequence[tf.Tensor],
    poses: tf.Tensor,
    masks: Optional[Sequence[tf.Tensor]] = None,
    logits: Optional[Sequence[tf.Tensor]] = None,
    step: Optional[tf.Tensor] = None,
    gt_poses: Optional[tf.Tensor] = None,
) -> LossOutput:
    """The SfMLearner objective (see the module docstring for the exact formula).

    Network outputs may be float16 or bfloat16 (mixed precision): everything is cast to float32 here.

    Args:
      config: the loss weights and switches.
      target: float [B, H, W, 3] in [-1, 1], the middle frame.
      sources: float [B, H, W, 3N] in [-1, 1], the other frames in time order.
      intrinsics: float [B, S, 3, 3], `K` at scale s = input size / 2^s, S >= num_scales.
      disparities: list of float [B, H/2^s, W/2^s, 1], finest first, at least num_scales.
      poses: float [B, N, 6], target->source `[tx, ty, tz, rx, ry, rz]` of each source (the
        starting point of the refinement with `config.pose_refinement_steps`).
      masks: list of float [B, H/2^s, W/2^s, N], finest first, probability that a pixel is
        explainable; required when `config.explain_weight > 0`, ignored otherwise.
      logits: list of float [B, H/2^s, W/2^s, 1], finest first, the logits x of `disparities`
        (`disp = 10 * sigmoid(x) + 0.01`); required when `config.logit_range_weight > 0`.
      step: int scalar, the training steps done; with `config.smooth_warmup_steps` the
        smoothness weight is `smooth_weight * min(1, step / smooth_warmup_steps)` (None: full).
      gt_poses: float [B, N + 1, 3, 4] camera-to-world of the snippet's frames in metres; required
        when `config.velocity_weight > 0`, ignored otherwise.

    Returns:
      `LossOutput(terms, warped, valid)`; all terms are means over the batch.
    """
    target = tf.cast(target, tf.float32)
    sources = tf.cast(sources, tf.float32)
    intrinsics = tf.cast(intrinsics, tf.float32)
    poses = tf.cast(poses, tf.float32)
    _check_inputs(config, sources, disparities, poses, masks, logits)
    velocity = tf.constant(0.0)
    if config.velocity_weight > 0:
        if gt_poses is None:
            raise ValueError("velocity_weight > 0 needs the snippets' gt_poses (records with has_gt_poses)")
        velocity = config.velocity_weight * velocity_loss(poses, gt_poses)
    if config.pose_refinement_steps:
        poses = _refined_poses(config, target, sources, intrinsics, disparities, poses)
    photometric_scales = config.photometric_scales or config.num_scales

    smooth_weight = tf.constant(config.smooth_weight, tf.float32)
    if config.smooth_warmup_steps and step is not None:
        smooth_weight *= tf.minimum(1.0, tf.cast(step, tf.float32) / config.smooth_warmup_steps)
    photometric = tf.constant(0.0)
    smoothness = tf.constant(0.0)
    explainability = tf.constant(0.0)
    logit_range = tf.constant(0.0)
    for scale in range(config.num_scales):
        disp = _loss_disparity(config, disparities[scale])
        explain = None
        if config.explainability:
            explain = tf.cast(masks[scale], tf.float32)
            explainability += config.explain_weight * explainability_loss(explain)
        if scale < photometric_scales:
            term, warped, valid = _view_synthesis(config, scale, disp, explain, target, sources, intrinsics, poses)
            photometric += term
            if scale == 0:
                finest_warped, finest_valid = warped, valid

        if config.smoothness == "edge_aware":
            smooth = edge_aware_smoothness(disp, area_downsample(target, scale))
        elif config.smoothness == "depth":
            smooth = second_order_smoothness(_depth(disp))
        else:
            smooth = second_order_smoothness(disp)
        smoothness += smooth_weight / 2**scale * smooth
        if config.logit_range_weight > 0:
            logit_range += config.logit_range_weight * logit_range_penalty(logits[scale])

    terms = {
        "total": photometric + smoothness + explainability + logit_range + velocity,
        "photometric": photometric,
        "smoothness": smoothness,
        "explainability": explainability,
        "logit_range": logit_range,
        "velocity": velocity,
    }
    return LossOutput(terms, finest_warped, finest_valid)

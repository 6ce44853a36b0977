"""Trajectory error metrics in numpy: snippet ATE (the paper's protocol), Umeyama Sim(3)
alignment, full-sequence ATE and RPE.

Poses are camera-to-world 4x4 matrices `T` (a point in the camera frame `X_c` is at
`X_w = R X_c + t` in the world), so a camera's position is `T[:3, 3]`.
"""

import numpy as np

from sfmlearner_tf.trajectories import to_homogeneous


def snippet_ate(gt_xyz: np.ndarray, pred_xyz: np.ndarray) -> float:
    """ATE of one snippet as in SfMLearner's `kitti_eval/eval_pose.py`.

    Both trajectories are taken relative to their first positions (the reference translates
    the prediction onto the ground truth's first position, which is the origin there; doing it
    by subtraction keeps round-off in gt[0] from entering the scale). The prediction is then
    scaled by the least-squares factor s = <gt, pred> / <pred, pred> (the minimizer of
    sum ||s pred - gt||^2), and the error is

        ATE = sqrt(sum_i ||s pred_i - gt_i||^2) / N

    which is the published protocol's formula (it divides the root by N, not by sqrt(N); kept
    so that the numbers compare with the paper's). An all-zero prediction (zero motion) gets
    s = 0, so its ATE is sqrt(sum_i ||gt_i||^2) / N.

    Args:
      gt_xyz: float [N, 3] ground-truth camera positions, metres.
      pred_xyz: float [N, 3] predicted camera positions, arbitrary scale.
    """
    gt_xyz = np.asarray(gt_xyz, np.float64)
    pred_xyz = np.asarray(pred_xyz, np.float64)
    if gt_xyz.shape != pred_xyz.shape or gt_xyz.ndim != 2 or gt_xyz.shape[1] != 3:
        raise ValueError(f"expected two [N, 3] position arrays, got {gt_xyz.shape} and {pred_xyz.shape}")
    gt_xyz = gt_xyz - gt_xyz[0]
    pred_xyz = pred_xyz - pred_xyz[0]
    norm = np.sum(pred_xyz**2)
    scale = np.sum(gt_xyz * pred_xyz) / norm if norm > 0 else 0.0
    error = scale * pred_xyz - gt_xyz
    return float(np.sqrt(np.sum(error**2)) / gt_xyz.shape[0])


def umeyama_alignment(source: np.ndarray, target: np.ndarray, with_scale: bool = True):
    """The similarity (s, R, t) minimizing sum_i ||target_i - (s R source_i + t)||^2 (Umeyama 1991).

    With means mu_x, mu_y, centred points x_i, y_i and the covariance C = (1/N) sum y_i x_i^T = U D V^T:
    R = U S V^T with S = diag(1, 1, det(U V^T)) (a rotation, never a reflection),
    s = trace(D S) / sigma_x^2 where sigma_x^2 = (1/N) sum ||x_i||^2, and t = mu_y - s R mu_x.

    Args:
      source, target: float [N, 3] corresponding points, N >= 3 and not all collinear for a
        unique rotation (degenerate inputs still return a valid similarity).
      with_scale: False fixes s = 1 (SE(3) alignment).

    Returns:
      (scale float, rotation [3, 3], translation [3]).
    """
    source = np.asarray(source, np.float64)
    target = np.asarray(target, np.float64)
    if source.shape != target.shape or source.ndim != 2 or source.shape[1] != 3 or len(source) < 2:
        raise ValueError(f"expected two [N, 3] point arrays with N >= 2, got {source.shape} and {target.shape}")
    mean_source = source.mean(axis=0)
    mean_target = target.mean(axis=0)
    x = source - mean_source
    y = target - mean_target
    covariance = y.T @ x / len(source)
    u, d, vt = np.linalg.svd(covariance)
    signs = np.ones(3)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        signs[2] = -1.0
    rotation = u @ np.diag(signs) @ vt
    variance = np.mean(np.sum(x**2, axis=1))
    scale = float(np.sum(d * signs) / variance) if with_scale and variance > 0 else 1.0
    translation = mean_target - scale * rotation @ mean_source
    return scale, rotation, translation


def apply_similarity(poses: np.ndarray, scale: float, rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
    """S * T for every camera-to-world pose T, S = [s R | t]: positions map to s R p + t,
    orientations to R R_i (the camera's own frame keeps unit scale, so poses stay rigid).

    Args:
      poses: float [N, 4, 4] camera-to-world.
    """
    poses = np.asarray(poses, np.float64)
    aligned = poses.copy()
    aligned[:, :3, :3] = rotation @ poses[:, :3, :3]
    aligned[:, :3, 3] = scale * poses[:, :3, 3] @ rotation.T + translation
    return aligned


def rotation_angle(rotations: np.ndarray) -> np.ndarray:
    """Angle (radians) of rotation matrices [..., 3, 3]: arccos((trace R - 1) / 2), clipped for round-off."""
    trace = np.trace(rotations, axis1=-2, axis2=-1)
    return np.arccos(np.clip((trace - 1.0) / 2.0, -1.0, 1.0))


def trajectory_errors(gt_poses: np.ndarray, pred_poses: np.ndarray, with_scale: bool = True) -> dict:
    """Full-sequence ATE and per-frame-pair RPE after aligning the prediction to the ground truth.

    The prediction is aligned by the Umeyama similarity of its positions onto the ground
    truth's (Sim(3); SE(3) when `with_scale` is False). Then
      ATE      = sqrt(mean_i ||p_i - g_i||^2) (a true RMSE, metres),
      RPE      for each consecutive pair: E_i = (G_i^-1 G_{i+1})^-1 (P_i^-1 P_{i+1});
                 translational error ||t(E_i)|| (metres), rotational error angle(R(E_i)) (radians),
    reported as RMSE and mean over pairs.

    Args:
      gt_poses, pred_poses: float [N, 4, 4] (or [N, 3, 4]) camera-to-world, N >= 2.

    Returns:
      dict with `ate_rmse`, `rpe_trans_rmse`, `rpe_trans_mean`, `rpe_rot_rmse`, `rpe_rot_mean`
      (radians), `scale` (of the alignment), `num_frames`.
    """
    gt_poses = to_homogeneous(gt_poses)
    pred_poses = to_homogeneous(pred_poses)
    if gt_poses.shape != pred_poses.shape or len(gt_poses) < 2:
        raise ValueError(
            f"need two trajectories of the same length >= 2, got {gt_poses.shape} and {pred_poses.shape}"
        )
    scale, rotation, translation = umeyama_alignment(pred_poses[:, :3, 3], gt_poses[:, :3, 3], with_scale)
    aligned = apply_similarity(pred_poses, scale, rotation, translation)
    position_error = np.linalg.norm(aligned[:, :3, 3] - gt_poses[:, :3, 3], axis=1)

    gt_relative = np.linalg.inv(gt_poses[:-1]) @ gt_poses[1:]
    pred_relative = np.linalg.inv(aligned[:-1]) @ aligned[1:]
    error = np.linalg.inv(gt_relative) @ pred_relative
    trans = np.linalg.norm(error[:, :3, 3], axis=1)
    rot = rotation_angle(error[:, :3, :3])
    return {
        "ate_rmse": float(np.sqrt(np.mean(position_error**2))),
        "rpe_trans_rmse": float(np.sqrt(np.mean(trans**2))),
        "rpe_trans_mean": float(np.mean(trans)),
        "rpe_rot_rmse": float(np.sqrt(np.mean(rot**2))),
        "rpe_rot_mean": float(np.mean(rot)),
        "scale": float(scale),
        "num_frames": int(len(gt_poses)),
    }


def summarize(values) -> dict:
    """{"mean", "std", "count"} of a list of numbers (NaN when empty)."""
    values = np.asarray(values, np.float64)
    if values.size == 0:
        return {"mean": float("nan"), "std": float("nan"), "count": 0}
    return {"mean": float(values.mean()), "std": float(values.std()), "count": int(values.size)}

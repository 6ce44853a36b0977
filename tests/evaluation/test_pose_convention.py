"""Pose vectors as the network emits them, turned into trajectories: the convention end to end."""

import numpy as np
import pytest

from sfmlearner_tf import trajectories
from sfmlearner_tf.evaluation import pose_eval
from sfmlearner_tf.inference import pose_predict


def _trajectory(count):
    rng = np.random.default_rng(5)
    poses = np.tile(np.eye(4), (count, 1, 1))
    for i in range(1, count):
        angles = rng.normal(size=3) * 0.05
        step = pose_predict.pose_vectors_to_matrices(np.concatenate([rng.normal(size=3) * 0.3, angles]))
        poses[i] = poses[i - 1] @ step
    return poses


def _network_vectors(gt, seq_length):
    """What a perfect network outputs: for target t and source s, M = T_{s<-t} = G_s^-1 G_t."""
    import tensorflow as tf

    from sfmlearner_tf.geometry import mat2pose_vec

    half = seq_length // 2
    vectors = []
    for start in range(len(gt) - seq_length + 1):
        target = start + half
        sources = [i for i in range(start, start + seq_length) if i != target]
        motions = np.stack([np.linalg.inv(gt[s]) @ gt[target] for s in sources])
        vectors.append(mat2pose_vec(tf.constant(motions)).numpy())
    return np.stack(vectors)


@pytest.mark.parametrize("seq_length", [3, 5])
def test_perfect_predictions_give_the_ground_truth_trajectory(seq_length):
    gt = _trajectory(9)
    vectors = _network_vectors(gt, seq_length)
    motions = pose_predict.consecutive_motions(vectors, seq_length)
    np.testing.assert_allclose(trajectories.chain_relative_poses(motions), trajectories.relative_to_first(gt), atol=1e-6)
    snippet = pose_predict.snippet_poses(vectors[2])
    np.testing.assert_allclose(snippet, trajectories.relative_to_first(gt[2:2 + seq_length]), atol=1e-6)


@pytest.mark.parametrize("seq_length,method", [(5, "direct"), (3, "chained")])
def test_sequence_evaluation_of_a_perfect_pose_function(seq_length, method):
    gt = _trajectory(10)
    vectors = _network_vectors(gt, seq_length)

    def pose_fn(target, sources):  # replays the perfect vectors in snippet order
        index = pose_fn.calls
        pose_fn.calls += len(target)
        return vectors[index:index + len(target)].astype(np.float32)

    pose_fn.calls = 0
    frames = np.zeros((10, 8, 8, 3), np.uint8)
    result, trajectory = pose_eval.evaluate_pose_on_sequence(pose_fn, frames, gt, seq_length, snippet_length=5, batch_size=4)
    assert result["snippet"]["method"] == method
    assert result["model"]["snippet_ate"]["mean"] == pytest.approx(0.0, abs=1e-5)
    assert result["model"]["full_sequence"]["ate_rmse"] == pytest.approx(0.0, abs=1e-5)
    assert result["baselines"]["zero_motion"]["snippet_ate"]["mean"] > 0.05
    np.testing.assert_allclose(trajectory, trajectories.relative_to_first(gt), atol=1e-5)


def test_chains_follow_targets_at_the_frame_stride():
    from sfmlearner_tf.evaluation.pose_runs import _chains

    records = [{"sequence": s, "frame_index": i} for s, ids in [("a", [1, 2, 3, 4, 5, 7]), ("b", [1, 3])] for i in ids]
    chains = [[(r["sequence"], r["frame_index"]) for r in chain] for chain in _chains(records, stride=2)]
    assert chains == [[("a", 1), ("a", 3), ("a", 5), ("a", 7)], [("a", 2), ("a", 4)], [("b", 1), ("b", 3)]]
    assert [len(chain) for chain in _chains(records, stride=1)] == [5, 1, 1, 1]

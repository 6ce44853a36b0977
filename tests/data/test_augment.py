"""Augmentation: flip, zoom-crop geometry, colour jitter shared by all frames, ground truth carried."""

import numpy as np
import tensorflow as tf

from sfmlearner_tf.config import DataConfig
from sfmlearner_tf.data import augment_snippet, flip_horizontally, jitter_colors, scale_and_crop

HEIGHT, WIDTH = 64, 208
K = np.array([[150.0, 0.0, 101.3], [0.0, 140.0, 30.6], [0.0, 0.0, 1.0]], np.float32)


def blob_frames(u, v, sigma=2.5):
    """3 frames with a Gaussian blob centred at the sub-pixel (u, v); float32 [3, H, W, 3] in [0, 1]."""
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    blob = np.exp(-((cols - u) ** 2 + (rows - v) ** 2) / (2 * sigma**2)).astype(np.float32)
    return np.repeat(np.repeat(blob[None, :, :, None], 3, axis=3), 3, axis=0)


def centroid(image):
    """(u, v) intensity centroid of float [H, W]."""
    rows, cols = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    return np.array([(cols * image).sum(), (rows * image).sum()]) / image.sum()


def project(k, point):
    pixel = k @ point
    return pixel[:2] / pixel[2]


def test_flip_mirrors_frames_depth_and_principal_point():
    frames = np.zeros([3, HEIGHT, WIDTH, 3], np.float32)
    frames[:, 10:20, 5:9] = 1.0  # a bar near the left edge
    depth = np.zeros([HEIGHT, WIDTH, 1], np.float32)
    depth[10:20, 5:9] = 7.0
    poses = np.tile(np.eye(4, dtype=np.float32)[:3], (3, 1, 1))
    poses[2, 0, 3] = 0.5  # the last camera moved right
    out = flip_horizontally({"frames": frames, "intrinsics": K, "gt_depth": depth, "gt_poses": poses})
    np.testing.assert_array_equal(out["frames"][:, 10:20, WIDTH - 9 : WIDTH - 5], 1.0)
    np.testing.assert_array_equal(out["frames"].numpy(), frames[:, :, ::-1])
    np.testing.assert_array_equal(out["gt_depth"][10:20, WIDTH - 9 : WIDTH - 5], 7.0)
    assert float(out["intrinsics"][0, 2]) == WIDTH - 1 - K[0, 2]
    np.testing.assert_array_equal(out["intrinsics"][1], K[1])
    # In the mirrored world the camera moved left.
    assert float(out["gt_poses"][2, 0, 3]) == -0.5


def test_flipped_k_projects_a_point_onto_its_mirrored_pixel():
    point = np.array([1.2, -0.3, 6.0], np.float32)
    u, v = project(K, point)
    out = flip_horizontally({"frames": blob_frames(u, v), "intrinsics": K})
    mirrored_point = point * np.array([-1, 1, 1], np.float32)
    np.testing.assert_allclose(centroid(out["frames"][1, ..., 0].numpy()), project(out["intrinsics"].numpy(), mirrored_point), atol=1e-3)


def test_zoom_crop_keeps_projection_and_depth_consistent():
    point = np.array([0.4, 0.1, 5.0], np.float32)
    u, v = project(K, point)
    depth = np.zeros([HEIGHT, WIDTH, 1], np.float32)
    depth[int(round(v)) - 2 : int(round(v)) + 3, int(round(u)) - 2 : int(round(u)) + 3] = 5.0
    moved = []
    for seed in range(4):
        snippet = {"frames": blob_frames(u, v), "intrinsics": K, "gt_depth": depth}
        out = scale_and_crop(snippet, tf.constant([seed, 7]), max_scale=1.3)
        assert out["frames"].shape == (3, HEIGHT, WIDTH, 3) and out["gt_depth"].shape == (HEIGHT, WIDTH, 1)
        expected = project(out["intrinsics"].numpy(), point)
        for frame in out["frames"].numpy():
            np.testing.assert_allclose(centroid(frame[..., 0]), expected, atol=0.05)
        # Nearest sampling: the depth patch moves with the image (to within a pixel), values unchanged.
        patch = out["gt_depth"][..., 0].numpy()
        assert set(np.unique(patch)) <= {0.0, 5.0}
        np.testing.assert_allclose(centroid(patch), expected, atol=1.0)
        moved.append(np.abs(expected - [u, v]).max())
    assert max(moved) > 2.0  # the augmentation did move the point


def test_color_jitter_is_one_function_for_all_frames():
    rng = np.random.default_rng(0)
    first = rng.uniform(0.1, 0.9, [HEIGHT, WIDTH, 3]).astype(np.float32)
    # Frame 2 holds frame 0's colours in another spatial order, frame 1 is different.
    frames = np.stack([first, rng.uniform(0, 1, [HEIGHT, WIDTH, 3]).astype(np.float32), first[::-1, ::-1]])
    out = jitter_colors(frames, tf.constant([3, 4]), 0.2, 0.2, 0.2).numpy()
    assert np.abs(out[0] - first).max() > 0.01  # something changed
    np.testing.assert_allclose(out[2], out[0][::-1, ::-1], atol=1e-6)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_augment_snippet_treats_identical_frames_identically_and_is_seeded():
    rng = np.random.default_rng(1)
    frame = rng.uniform(0, 1, [HEIGHT, WIDTH, 3]).astype(np.float32)
    snippet = {"frames": np.stack([frame] * 3), "intrinsics": K, "gt_depth": np.ones([HEIGHT, WIDTH, 1], np.float32)}
    config = DataConfig()
    outputs = [augment_snippet(dict(snippet), tf.constant([0, seed], tf.int64), config) for seed in (5, 5, 6)]
    frames = outputs[0]["frames"].numpy()
    np.testing.assert_array_equal(frames[0], frames[1])
    np.testing.assert_array_equal(frames[0], frames[2])
    np.testing.assert_array_equal(frames, outputs[1]["frames"].numpy())
    assert not np.array_equal(frames, outputs[2]["frames"].numpy())

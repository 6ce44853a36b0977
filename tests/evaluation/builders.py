"""Builders of test inputs: a tiny random-weight run directory and tiny TFRecords with ground truth."""

import io
import os
import pathlib

import numpy as np
from PIL import Image

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
HEIGHT, WIDTH = 32, 96


def make_run_dir(path: str, seq_length: int = 3, learn_intrinsics: bool = False) -> str:
    """A run directory like training writes: config.json + a CheckpointManager checkpoint."""
    import tensorflow as tf

    from sfmlearner_tf.config import Config, ModelConfig
    from sfmlearner_tf.run_dir import build_models, write_config

    tf.keras.utils.set_random_seed(0)
    config = Config(model=ModelConfig(height=HEIGHT, width=WIDTH, seq_length=seq_length,
                                      learn_intrinsics=learn_intrinsics))
    write_config(path, config)
    depth_net, pose_net = build_models(config)
    checkpoint = tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net)
    tf.train.CheckpointManager(checkpoint, path, max_to_keep=1).save()
    return path


# A camera of the synthetic world's height over a flat road, at 64x208 (street_depth).
STREET_K = np.array([[120.0, 0, 103.5], [0, 120.0, 31.5], [0, 0, 1]])
STREET_CAMERA_HEIGHT = 1.65


def street_depth(pitch_degrees: float = 0.0, wall_depth: float = 30.0, ground: bool = True) -> np.ndarray:
    """float64 [64, 208] z-depth seen through STREET_K by a camera STREET_CAMERA_HEIGHT above a
    flat road, pitched down by `pitch_degrees`, facing a wall `wall_depth` metres ahead (along the
    road); without `ground`, only the wall."""
    v, u = np.mgrid[0:64, 0:208].astype(np.float64)
    rays = np.stack([u, v, np.ones_like(u)], -1) @ np.linalg.inv(STREET_K).T
    pitch = np.radians(pitch_degrees)
    # Camera-to-road rotation about x: a ray's road-frame y (down) and z (ahead) components.
    down = rays[..., 1] * np.cos(pitch) + rays[..., 2] * np.sin(pitch)
    ahead = -rays[..., 1] * np.sin(pitch) + rays[..., 2] * np.cos(pitch)
    to_wall = wall_depth / ahead
    to_ground = np.where(down > 1e-9, STREET_CAMERA_HEIGHT / np.maximum(down, 1e-9), np.inf) if ground else np.inf
    return np.minimum(to_wall, to_ground)  # z-depth: the ray's parameter, since rays have z = 1


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def ramp_depth() -> np.ndarray:
    """float32 [HEIGHT, WIDTH]: rows from 2 m to 20 m, a zero (unknown) hole in the top-left corner."""
    depth = np.tile(np.linspace(2.0, 20.0, HEIGHT)[:, None], (1, WIDTH)).astype(np.float32)
    depth[:4, :10] = 0.0
    return depth


def make_tfrecords(path: str, num_frames: int = 8, seq_length: int = 3, sequence: str = "seq_a") -> str:
    """One 'test' shard: every frame with a full snippet as target, random images, gt depth
    (`ramp_depth` x (1 + 0.01 target)) and a camera moving forward with a slight turn."""
    import tensorflow as tf

    from sfmlearner_tf.data.dataset_info import write_dataset_info
    from sfmlearner_tf.data.features import SHARD_PATTERN, encode_snippet

    os.makedirs(path, exist_ok=True)
    rng = np.random.default_rng(0)
    frames = [_png(rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)) for _ in range(num_frames)]
    poses = np.tile(np.eye(4), (num_frames, 1, 1))
    for i in range(num_frames):
        angle = 0.02 * i
        poses[i, :3, :3] = [[np.cos(angle), 0, np.sin(angle)], [0, 1, 0], [-np.sin(angle), 0, np.cos(angle)]]
        poses[i, :3, 3] = [0.05 * i, 0.0, 0.8 * i]
    depth = ramp_depth()
    intrinsics = np.array([[50.0, 0, WIDTH / 2 - 0.5], [0, 50.0, HEIGHT / 2 - 0.5], [0, 0, 1]])
    half = seq_length // 2
    shard = SHARD_PATTERN.format(split="test", index=0, count=1)
    count = 0
    with tf.io.TFRecordWriter(os.path.join(path, shard)) as writer:
        for target in range(half, num_frames - half):
            window = range(target - half, target - half + seq_length)
            writer.write(encode_snippet([frames[i] for i in window], intrinsics, HEIGHT, WIDTH, sequence, target,
                                        gt_depth=depth * (1 + 0.01 * target), gt_poses=poses[list(window), :3, :]))
            count += 1
    write_dataset_info(path, {
        "tool": "tests", "version": 1, "source": "tests", "height": HEIGHT, "width": WIDTH,
        "seq_length": seq_length, "frame_stride": 1, "image_format": "png", "has_gt_depth": True,
        "has_gt_poses": True, "splits": {"test": {"shards": [shard], "num_snippets": count, "sequences": [sequence]}},
    })
    return path

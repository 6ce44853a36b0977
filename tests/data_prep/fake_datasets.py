"""Tiny on-disk datasets in the readers' layouts, and a decoder of written records, for tests."""

import io
import json
import os

import numpy as np
import tensorflow as tf
from PIL import Image

from sfmlearner_tf.data import dataset_info

SYNTHETIC_K = np.array([[40.0, 0.0, 31.5], [0.0, 40.0, 23.5], [0.0, 0.0, 1.0]])


def write_image(path, array) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, np.uint8)).save(path)
    return path


def write_synthetic_world(root, num_sequences=2, num_frames=5, height=48, width=64, seed=0) -> dict:
    """The synthetic-world layout with random images, depth = 1 + frame + row/100, poses moving along z."""
    rng = np.random.default_rng(seed)
    world = {"generator": "test", "version": 1, "seed": seed, "height": height, "width": width, "fps": 10,
             "intrinsics": SYNTHETIC_K.tolist(), "num_sequences": num_sequences,
             "frames_per_sequence": num_frames, "moving_objects": False}
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "world.json"), "w") as f:
        json.dump(world, f)
    truth = {}
    for s in range(num_sequences):
        folder = os.path.join(root, f"seq_{s:03d}")
        poses = np.tile(np.hstack([np.eye(3), np.zeros((3, 1))]), (num_frames, 1, 1))
        poses[:, 2, 3] = 0.5 * np.arange(num_frames) + s
        images, depths = [], []
        for i in range(num_frames):
            image = rng.integers(0, 256, (height, width, 3))
            depth = (1.0 + i + np.arange(height)[:, None] / 100.0 + np.zeros((1, width))).astype(np.float32)
            write_image(os.path.join(folder, "image", f"{i:06d}.png"), image)
            os.makedirs(os.path.join(folder, "depth"), exist_ok=True)
            np.save(os.path.join(folder, "depth", f"{i:06d}.npy"), depth)
            images.append(image)
            depths.append(depth)
        np.savetxt(os.path.join(folder, "poses.txt"), poses.reshape(num_frames, 12))
        np.savetxt(os.path.join(folder, "intrinsics.txt"), SYNTHETIC_K)
        truth[f"seq_{s:03d}"] = {"poses": poses, "depths": np.stack(depths)}
    return truth


def write_kitti_odom(root, calib_keys=("P0", "P2"), camera="image_2", num_frames=4, size=(20, 60)) -> str:
    folder = os.path.join(root, "sequences", "00")
    for i in range(num_frames):
        write_image(os.path.join(folder, camera, f"{i:06d}.png"), np.full(size, 10 * i))
    row = "7.0e+02 0 3.0e+01 0 0 7.0e+02 1.0e+01 0 0 0 1 0"
    with open(os.path.join(folder, "calib.txt"), "w") as f:
        f.writelines(f"{key}: {row}\n" for key in calib_keys)
    return root


def read_records(dataset_dir, split="train") -> list:
    """Every tf.train.Example of a split, in file order, as {key: numpy value}."""
    examples = []
    for path in dataset_info.shard_paths(dataset_dir, split):
        for raw in tf.data.TFRecordDataset(path).as_numpy_iterator():
            example = tf.train.Example.FromString(raw)
            record = {}
            for key, feature in example.features.feature.items():
                kind = feature.WhichOneof("kind")
                values = getattr(feature, kind).value
                record[key] = list(values) if kind == "bytes_list" else np.asarray(values)
            examples.append(record)
    return examples


def decode_image(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def decode_depth(record) -> np.ndarray:
    rows, cols = record["gt_depth/shape"]
    return np.frombuffer(record["gt_depth"][0], "<f2").reshape(rows, cols).astype(np.float32)

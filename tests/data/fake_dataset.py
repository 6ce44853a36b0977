"""Tiny TFRecord datasets written with `encode_snippet`, for the pipeline tests."""

import io
import os

import numpy as np
import tensorflow as tf
from PIL import Image

from sfmlearner_tf.data import SHARD_PATTERN, encode_snippet, write_dataset_info


def encode_png(image: np.ndarray) -> bytes:
    """uint8 [H, W, 3] -> PNG bytes (lossless, so tests can compare exact values)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def default_intrinsics(height: int, width: int) -> np.ndarray:
    return np.array([[0.6 * width, 0, 0.5 * width - 3], [0, 1.9 * height, 0.5 * height + 2], [0, 0, 1]], np.float64)


def write_dataset(
    directory,
    snippets,
    height: int,
    width: int,
    num_shards: int = 1,
    split: str = "train",
    with_gt: bool = True,
) -> str:
    """Writes `snippets` (dicts with `frames` uint8 [S, H, W, 3], `intrinsics` [3, 3] and, when
    `with_gt`, `depth` float [H, W] and `poses` [S, 3, 4]) into `num_shards` shards + dataset.json.
    Snippet i is `frame_index` i of sequence "seq"; shards hold contiguous runs, like the builder's.
    """
    directory = str(directory)
    os.makedirs(directory, exist_ok=True)
    seq_length = len(snippets[0]["frames"])
    names = [SHARD_PATTERN.format(split=split, index=i, count=num_shards) for i in range(num_shards)]
    bounds = [(i * len(snippets)) // num_shards for i in range(num_shards + 1)]
    for index, name in enumerate(names):
        with tf.io.TFRecordWriter(os.path.join(directory, name)) as writer:
            for i in range(bounds[index], bounds[index + 1]):
                snippet = snippets[i]
                writer.write(
                    encode_snippet(
                        [encode_png(frame) for frame in snippet["frames"]],
                        snippet["intrinsics"],
                        height,
                        width,
                        sequence="seq",
                        frame_index=i,
                        gt_depth=snippet.get("depth") if with_gt else None,
                        gt_poses=snippet.get("poses") if with_gt else None,
                    )
                )
    write_dataset_info(
        directory,
        {
            "height": height,
            "width": width,
            "seq_length": seq_length,
            "has_gt_depth": with_gt,
            "has_gt_poses": with_gt,
            "splits": {split: {"shards": names, "num_snippets": len(snippets), "sequences": ["seq"]}},
        },
    )
    return directory


def random_snippets(count: int, height: int, width: int, seq_length: int = 3, seed: int = 0) -> list:
    """Smooth random frames (noise upsampled) with depth and poses; frame j of snippet i differs."""
    rng = np.random.default_rng(seed)
    snippets = []
    for i in range(count):
        frames = []
        for _ in range(seq_length):
            coarse = rng.uniform(0, 255, (height // 8, width // 8, 3)).astype(np.uint8)
            frames.append(np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BILINEAR)))
        poses = np.tile(np.eye(4)[:3], (seq_length, 1, 1))
        poses[:, 2, 3] = np.arange(seq_length) + i
        snippets.append(
            {
                "frames": np.stack(frames),
                "intrinsics": default_intrinsics(height, width),
                "depth": rng.uniform(1, 50, (height, width)).astype(np.float32),
                "poses": poses,
            }
        )
    return snippets

"""Target frames (and ground-truth depth) read straight from a dataset's TFRecords.

The TFLite calibration and the fidelity report need plain uint8 frames at the model's input size,
in file order, without augmentation; reading the records with the shared feature spec keeps this
independent of the training pipeline's batching.
"""

from typing import Iterator, NamedTuple, Optional

import numpy as np
import tensorflow as tf

from sfmlearner_tf.data.dataset_info import read_dataset_info, shard_paths
from sfmlearner_tf.data.features import decode_gt_depth, feature_spec, image_key


class Frame(NamedTuple):
    """image: uint8 [H, W, 3] RGB at the model's input size; gt_depth: float32 [h, w] metres at
    the stored resolution (0 = unknown) or None when the dataset has none."""

    image: np.ndarray
    gt_depth: Optional[np.ndarray]


def read_target_frames(dataset_dir: str, split: str, height: int, width: int, limit: int) -> Iterator[Frame]:
    """Yields up to `limit` target frames of `split`, in file order, resized to height x width.

    A stored resolution other than height x width is resized bilinearly (with antialiasing when
    shrinking); the ground truth stays at its stored resolution, so metrics resize predictions.
    """
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    info = read_dataset_info(dataset_dir)
    seq_length = int(info["seq_length"])
    spec = feature_spec(seq_length, bool(info["has_gt_depth"]), bool(info["has_gt_poses"]))
    target_key = image_key(seq_length // 2)
    records = tf.data.TFRecordDataset(shard_paths(dataset_dir, split)).take(limit)
    for record in records:
        example = tf.io.parse_single_example(record, spec)
        image = tf.io.decode_image(example[target_key], channels=3, expand_animations=False)
        if tuple(image.shape[:2]) != (height, width):
            resized = tf.image.resize(tf.cast(image, tf.float32), [height, width], antialias=True)
            image = tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)
        gt_depth = None
        if info["has_gt_depth"]:
            gt_depth = decode_gt_depth(example["gt_depth"], example["gt_depth/shape"])[..., 0].numpy()
        yield Frame(image.numpy(), gt_depth)

"""The TFRecord example of one snippet: written by `data_prep/`, read by the `tf.data` pipeline.

One `tf.train.Example` per snippet of `seq_length` frames (the middle one is the target):

| key                   | type                  | content                                              |
|-----------------------|-----------------------|------------------------------------------------------|
| `image/0` … `image/N` | bytes                 | encoded frame (PNG or JPEG), in time order            |
| `intrinsics`          | float ×9              | K of the stored resolution, row-major                 |
| `height`, `width`     | int64                 | stored resolution                                     |
| `seq_length`          | int64                 | frames in the snippet                                 |
| `sequence`            | bytes                 | id of the source sequence (for splits and evaluation) |
| `frame_index`         | int64                 | index of the target frame in its sequence             |
| `gt_depth`            | bytes (optional)      | target depth, float16 little-endian, metres, 0 = none |
| `gt_depth/shape`      | int64 ×2 (optional)   | [rows, cols] of `gt_depth`                            |
| `gt_poses`            | float ×12·seq (opt.)  | camera-to-world 3×4 of every frame, row-major         |

A `dataset.json` beside the shards says whether the optional features are present
(`has_gt_depth`, `has_gt_poses`), so the parser knows the schema without guessing.
"""

from typing import Optional, Sequence

import numpy as np
import tensorflow as tf

SHARD_PATTERN = "{split}-{index:05d}-of-{count:05d}.tfrecord"
DATASET_INFO = "dataset.json"


def image_key(index: int) -> str:
    return f"image/{index}"


def _bytes(values: Sequence[bytes]) -> tf.train.Feature:
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=list(values)))


def _floats(values) -> tf.train.Feature:
    return tf.train.Feature(float_list=tf.train.FloatList(value=np.asarray(values, np.float32).ravel()))


def _ints(values) -> tf.train.Feature:
    return tf.train.Feature(int64_list=tf.train.Int64List(value=np.asarray(values, np.int64).ravel()))


def encode_snippet(
    encoded_frames: Sequence[bytes],
    intrinsics: np.ndarray,
    height: int,
    width: int,
    sequence: str = "",
    frame_index: int = 0,
    gt_depth: Optional[np.ndarray] = None,
    gt_poses: Optional[np.ndarray] = None,
) -> bytes:
    """Serializes one snippet.

    Args:
      encoded_frames: seq_length PNG/JPEG byte strings, in time order.
      intrinsics: float [3, 3], K of the stored (encoded) resolution, pixel centres at integers.
      height, width: the encoded frames' size.
      sequence, frame_index: where the target frame comes from.
      gt_depth: optional float [H, W] metric depth of the target frame, 0 where unknown.
      gt_poses: optional float [seq_length, 3, 4] (or [seq_length, 12]) camera-to-world poses.
    """
    intrinsics = np.asarray(intrinsics, np.float64)
    if intrinsics.shape != (3, 3):
        raise ValueError(f"intrinsics must be 3x3, got shape {intrinsics.shape}")
    seq_length = len(encoded_frames)
    feature = {image_key(i): _bytes([frame]) for i, frame in enumerate(encoded_frames)}
    feature.update(
        intrinsics=_floats(intrinsics),
        height=_ints([height]),
        width=_ints([width]),
        seq_length=_ints([seq_length]),
        sequence=_bytes([sequence.encode()]),
        frame_index=_ints([frame_index]),
    )
    if gt_depth is not None:
        gt_depth = np.asarray(gt_depth)
        if gt_depth.ndim != 2:
            raise ValueError(f"gt_depth must be [H, W], got shape {gt_depth.shape}")
        feature["gt_depth"] = _bytes([gt_depth.astype("<f2").tobytes()])
        feature["gt_depth/shape"] = _ints(gt_depth.shape)
    if gt_poses is not None:
        gt_poses = np.asarray(gt_poses, np.float64).reshape(seq_length, -1)
        if gt_poses.shape[1] != 12:
            raise ValueError(f"gt_poses must be [seq_length, 3, 4], got {gt_poses.shape}")
        feature["gt_poses"] = _floats(gt_poses)
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def feature_spec(seq_length: int, has_gt_depth: bool, has_gt_poses: bool) -> dict:
    """The `tf.io.parse_single_example` spec for a dataset's schema."""
    spec = {image_key(i): tf.io.FixedLenFeature([], tf.string) for i in range(seq_length)}
    spec.update(
        intrinsics=tf.io.FixedLenFeature([9], tf.float32),
        height=tf.io.FixedLenFeature([], tf.int64),
        width=tf.io.FixedLenFeature([], tf.int64),
        seq_length=tf.io.FixedLenFeature([], tf.int64),
        sequence=tf.io.FixedLenFeature([], tf.string, default_value=""),
        frame_index=tf.io.FixedLenFeature([], tf.int64, default_value=0),
    )
    if has_gt_depth:
        spec["gt_depth"] = tf.io.FixedLenFeature([], tf.string)
        spec["gt_depth/shape"] = tf.io.FixedLenFeature([2], tf.int64)
    if has_gt_poses:
        spec["gt_poses"] = tf.io.FixedLenFeature([seq_length * 12], tf.float32)
    return spec


def decode_gt_depth(raw: tf.Tensor, shape: tf.Tensor) -> tf.Tensor:
    """float16 bytes + [rows, cols] -> float32 [rows, cols, 1]."""
    depth = half_bits_to_float32(tf.io.decode_raw(raw, tf.uint16, little_endian=True))
    return tf.reshape(depth, tf.concat([tf.cast(shape, tf.int32), [1]], 0))


def half_bits_to_float32(bits: tf.Tensor) -> tf.Tensor:
    """IEEE float16 bit patterns (uint16) -> the same values as float32, exactly.

    By integer arithmetic, with no float16 tensor in the graph: on a CPU without AVX512-FP16,
    oneDNN logs an error-level line ("supports DT_HALF only on platforms with AVX-512") for a
    pipeline that holds one, in every program that reads ground-truth depth.
    """
    bits = tf.cast(bits, tf.int32)
    sign = tf.bitwise.left_shift(tf.bitwise.right_shift(bits, 15), 31)
    exponent = tf.bitwise.bitwise_and(tf.bitwise.right_shift(bits, 10), 0x1F)
    mantissa = tf.bitwise.bitwise_and(bits, 0x3FF)
    # Normal numbers rebias the exponent (15 -> 127); infinities and NaNs keep an all-ones one.
    float_exponent = tf.where(exponent == 0x1F, 0xFF, exponent + 112)
    normal = tf.bitcast(tf.bitwise.bitwise_or(
        sign, tf.bitwise.bitwise_or(tf.bitwise.left_shift(float_exponent, 23), tf.bitwise.left_shift(mantissa, 13))),
        tf.float32)
    # Zero and subnormals: mantissa * 2^-24, exact in float32.
    small = tf.cast(mantissa, tf.float32) * 2.0 ** -24
    small = tf.where(sign != 0, -small, small)
    return tf.where(exponent == 0, small, normal)

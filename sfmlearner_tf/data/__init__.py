"""TFRecord format (shared with data_prep) and the `tf.data` input pipeline."""

from sfmlearner_tf.data.augment import augment_snippet, flip_horizontally, jitter_colors, scale_and_crop
from sfmlearner_tf.data.dataset_info import read_dataset_info, shard_paths, write_dataset_info
from sfmlearner_tf.data.features import DATASET_INFO, SHARD_PATTERN, decode_gt_depth, encode_snippet, feature_spec
from sfmlearner_tf.data.pipeline import make_dataset
from sfmlearner_tf.data.shards import CorruptShardError, check_shard_data, check_shard_framing, verify_shards

__all__ = [
    "CorruptShardError",
    "DATASET_INFO",
    "SHARD_PATTERN",
    "augment_snippet",
    "check_shard_data",
    "check_shard_framing",
    "decode_gt_depth",
    "encode_snippet",
    "feature_spec",
    "flip_horizontally",
    "jitter_colors",
    "make_dataset",
    "read_dataset_info",
    "scale_and_crop",
    "shard_paths",
    "verify_shards",
    "write_dataset_info",
]

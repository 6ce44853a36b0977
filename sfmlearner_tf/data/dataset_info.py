"""`dataset.json`: what a folder of TFRecord shards holds, written beside them by `data_prep/`.

Fields: `tool`, `version`, `source` (reader name), `height`, `width`, `seq_length`,
`frame_stride`, `image_format`, `has_gt_depth`, `has_gt_poses`, `created` (ISO time), and
`splits`: {split name: {"shards": [file names], "num_snippets": int, "sequences": [ids]}}.
"""

import json
import os
from typing import Any

from sfmlearner_tf import atomic_write
from sfmlearner_tf.data.features import DATASET_INFO

REQUIRED_FIELDS = ("height", "width", "seq_length", "has_gt_depth", "has_gt_poses", "splits")


def read_dataset_info(dataset_dir: str) -> dict[str, Any]:
    """Reads and checks `dataset_dir/dataset.json`; every error names the file."""
    if not os.path.isdir(dataset_dir):
        raise FileNotFoundError(f"dataset directory {dataset_dir!r} does not exist")
    path = os.path.join(dataset_dir, DATASET_INFO)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{path} not found: {dataset_dir!r} is not a dataset built by data_prep.build_tfrecords"
        )
    try:
        with open(path) as f:
            info = json.load(f)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from error
    missing = [name for name in REQUIRED_FIELDS if name not in info]
    if missing:
        raise ValueError(f"{path} lacks the fields {missing}")
    return info


def write_dataset_info(output_dir: str, info: dict[str, Any]) -> str:
    """Writes `output_dir/dataset.json` atomically (temporary name, then rename)."""
    missing = [name for name in REQUIRED_FIELDS if name not in info]
    if missing:
        raise ValueError(f"dataset info for {output_dir!r} lacks the fields {missing}")
    path = os.path.join(output_dir, DATASET_INFO)
    atomic_write.write_text(path, json.dumps(info, indent=2, sort_keys=True))
    return path


def shard_paths(dataset_dir: str, split: str) -> list[str]:
    """Absolute paths of a split's shards, checked to exist."""
    info = read_dataset_info(dataset_dir)
    if split not in info["splits"]:
        raise ValueError(
            f"split {split!r} not in {os.path.join(dataset_dir, DATASET_INFO)} "
            f"(has {sorted(info['splits'])})"
        )
    paths = [os.path.join(dataset_dir, name) for name in info["splits"][split]["shards"]]
    if not paths:
        raise ValueError(f"split {split!r} of {dataset_dir!r} has no shards")
    for path in paths:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"shard {path} listed in dataset.json is missing")
    return paths

"""Picks a few held-out snippets for the device run and the panel, and writes their target frames.

The device runtime reads plain PNG files (it has no TensorFlow to read TFRecords with), so the
target frames of `count` snippets spread evenly over the held-out split are written as
`DIR/000.png`, … in the order `select_snippets` returns them, with `DIR/selection.json`
recording the choice for the report.
"""

import os

import numpy as np
from PIL import Image

from sfmlearner_tf.config import DataConfig, ModelConfig
from sfmlearner_tf.data import make_dataset
from sfmlearner_tf.data.dataset_info import read_dataset_info

SELECTION_FILE = "selection.json"


def select_snippets(dataset_dir: str, count: int, split: str = "test") -> dict[str, np.ndarray]:
    """`count` snippets spread evenly over a split, as numpy arrays of the pipeline's batch keys.

    Returns: `target` float32 [count, H, W, 3] and `sources` [count, H, W, 3N] in [-1, 1],
    `gt_depth` float32 [count, H, W, 1] where the records carry it, `sequence`, `frame_index`.
    """
    info = read_dataset_info(dataset_dir)
    model = ModelConfig(height=info["height"], width=info["width"], seq_length=info["seq_length"])
    total = info["splits"][split]["num_snippets"]
    wanted = set(np.linspace(0, total - 1, min(count, total)).round().astype(int).tolist())
    dataset = make_dataset(dataset_dir, split, DataConfig(batch_size=1, augment=False),
                           model, training=False)
    picked: dict[str, list] = {}
    for index, batch in enumerate(dataset):
        if index in wanted:
            for key, value in batch.items():
                picked.setdefault(key, []).append(value.numpy()[0])
    return {key: np.stack(values) for key, values in picked.items()}


def write_target_frames(snippets: dict[str, np.ndarray], output_dir: str) -> list[str]:
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    for index, target in enumerate(snippets["target"]):
        path = os.path.join(output_dir, f"{index:03d}.png")
        pixels = np.clip(np.round((target + 1.0) * 127.5), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths

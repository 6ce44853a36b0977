"""A tiny TFRecord dataset (32x96, 3-frame snippets of textured random images) and subprocess helpers
for the training tests."""

import io
import os
import pathlib
import socket
import subprocess
import sys

import numpy as np
from PIL import Image

from sfmlearner_tf.data.dataset_info import write_dataset_info
from sfmlearner_tf.data.features import SHARD_PATTERN, encode_snippet

HEIGHT, WIDTH, SEQ_LENGTH = 32, 96, 3
REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _texture(generator: np.random.Generator, height: int, width: int) -> np.ndarray:
    """float [height, width, 3] in [0, 255]: blocky noise at several scales, so that the
    photometric error has gradients (flat images would give the warp nothing to align)."""
    image = np.zeros((height, width, 3))
    for cell in (2, 4, 8):
        coarse = generator.uniform(0, 255, (height // cell + 1, width // cell + 1, 3))
        image += np.kron(coarse, np.ones((cell, cell, 1)))[:height, :width] / 3
    return image


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _write_split(directory: pathlib.Path, split: str, num_shards: int, per_shard: int, seed: int,
                 with_poses: bool = False) -> dict:
    import tensorflow as tf

    generator = np.random.default_rng(seed)
    intrinsics = np.array([[50.0, 0, (WIDTH - 1) / 2], [0, 50.0, (HEIGHT - 1) / 2], [0, 0, 1]])
    shards = []
    for shard in range(num_shards):
        name = SHARD_PATTERN.format(split=split, index=shard, count=num_shards)
        with tf.io.TFRecordWriter(str(directory / name)) as writer:
            for index in range(per_shard):
                # One wide texture seen through a window sliding 2 px per frame: a camera pan.
                wide = _texture(generator, HEIGHT, WIDTH + 2 * SEQ_LENGTH)
                frames = [_png(wide[:, 2 * t : 2 * t + WIDTH]) for t in range(SEQ_LENGTH)]
                depth = np.full((HEIGHT, WIDTH), 10.0, np.float32) + generator.uniform(0, 5, (HEIGHT, WIDTH))
                # The pan as a camera moving 0.5 m to the right per frame (2 px at f = 50, 12.5 m).
                poses = np.stack([np.eye(3, 4) + np.outer([0.5 * t, 0, 0], [0, 0, 0, 1]) for t in range(SEQ_LENGTH)])
                writer.write(
                    encode_snippet(frames, intrinsics, HEIGHT, WIDTH, sequence=f"{split}_{shard}",
                                   frame_index=index + 1, gt_depth=depth, gt_poses=poses if with_poses else None)
                )
        shards.append(name)
    return {"shards": shards, "num_snippets": num_shards * per_shard, "sequences": [f"{split}_{s}" for s in range(num_shards)]}


def write_tiny_dataset(directory: pathlib.Path, with_poses: bool = False) -> pathlib.Path:
    """Writes a `train` split (2 shards x 8 snippets) and a `val` split (4 snippets, with GT depth),
    and with `with_poses` the camera's poses (a 0.5 m step to the right per frame)."""
    splits = {
        "train": _write_split(directory, "train", num_shards=2, per_shard=8, seed=1, with_poses=with_poses),
        "val": _write_split(directory, "val", num_shards=1, per_shard=4, seed=2, with_poses=with_poses),
    }
    write_dataset_info(str(directory), {
        "tool": "tests.training", "version": 1, "source": "random_texture", "height": HEIGHT, "width": WIDTH,
        "seq_length": SEQ_LENGTH, "frame_stride": 1, "image_format": "png", "has_gt_depth": True,
        "has_gt_poses": with_poses, "splits": splits,
    })
    return directory

def tiny_flags(dataset_dir, checkpoint_dir, **overrides) -> list[str]:
    """Command-line flags of a small, fast run on `tiny_dataset`."""
    values = dict(
        dataset_dir=dataset_dir, checkpoint_dir=checkpoint_dir, height=HEIGHT, width=WIDTH,
        batch_size=2, max_steps=6, save_every=3, summary_every=3, log_every=1,
    )
    values.update(overrides)
    return [f"--{name}={value}" for name, value in values.items()]


def python_env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), TF_CPP_MIN_LOG_LEVEL="2", **extra)
    return env


def run_python(args: list[str], timeout: float, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=python_env(**env), capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]

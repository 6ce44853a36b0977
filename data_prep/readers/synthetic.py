"""Reader of the synthetic world written by `python -m data_prep.synthetic`.

Layout: `world.json`, and per sequence `seq_NNN/image/*.png`, `seq_NNN/depth/*.npy` (float32
z-depth in metres, same size as the image), `seq_NNN/poses.txt` (12 numbers per frame,
camera-to-world 3x4, row-major), `seq_NNN/intrinsics.txt` (3x3 K). Ground-truth depth and poses
are both carried.
"""

import json
import os

import numpy as np

from data_prep.readers.base import (Sequence, list_images, read_intrinsics_file, read_matrix_rows,
                                    require_dir, require_file)


def read_sequences(dataset_dir: str) -> list:
    require_dir(dataset_dir, "synthetic world")
    world_path = require_file(os.path.join(dataset_dir, "world.json"), "synthetic world description")
    try:
        with open(world_path) as f:
            world = json.load(f)
    except json.JSONDecodeError as error:
        raise ValueError(f"{world_path} is not valid JSON: {error}") from error
    fps = float(world.get("fps", 0) or 0)
    names = sorted(n for n in os.listdir(dataset_dir)
                   if n.startswith("seq_") and os.path.isdir(os.path.join(dataset_dir, n)))
    if not names:
        raise FileNotFoundError(f"no seq_* folders in synthetic world {dataset_dir}")
    return [_read_sequence(os.path.join(dataset_dir, name), name, fps) for name in names]


def _read_sequence(folder: str, name: str, fps: float) -> Sequence:
    frames = list_images(os.path.join(folder, "image"))
    stems = [os.path.splitext(os.path.basename(path))[0] for path in frames]
    depth_dir = require_dir(os.path.join(folder, "depth"), "depth")
    depth_files = [os.path.join(depth_dir, stem + ".npy") for stem in stems]
    for path in depth_files:
        require_file(path, "depth")
    poses_path = os.path.join(folder, "poses.txt")
    poses = read_matrix_rows(poses_path, 12)
    if len(poses) != len(frames):
        raise ValueError(f"{poses_path} has {len(poses)} poses for {len(frames)} images in {folder}/image")
    count = len(frames)
    return Sequence(
        name=name, frames=frames, frame_ids=np.arange(count),
        intrinsics=read_intrinsics_file(os.path.join(folder, "intrinsics.txt")),
        timestamps=np.arange(count) / fps if fps > 0 else None,
        depth_files=depth_files, gt_poses=poses.reshape(count, 3, 4),
    )

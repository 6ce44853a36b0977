"""Reader of the KITTI odometry layout.

`sequences/NN/image_0|image_2/*.png` with `sequences/NN/calib.txt` (P0 … P3, 3x4 rectified
projections), optional `sequences/NN/times.txt` and `poses/NN.txt` (one row of 12 per frame: the
camera-to-world 3x4 of the left grayscale camera 0). Grayscale frames become 3 equal channels.
"""

import os
from typing import Optional

import numpy as np

from data_prep.readers.base import (Sequence, list_images, projection_to_intrinsics, read_calib_entries,
                                    read_matrix_rows, require_dir)

CAMERAS = ("image_0", "image_1", "image_2", "image_3")


def read_sequences(dataset_dir: str, sequences: Optional[list] = None, camera: str = "") -> list:
    """Sequences `sequences` (e.g. ["09", "10"]; all under sequences/ when empty) of `camera`.

    camera: "image_0" … "image_3"; empty picks image_2 where present, else image_0.
    """
    root = require_dir(os.path.join(dataset_dir, "sequences"), "KITTI odometry sequences")
    if camera and camera not in CAMERAS:
        raise ValueError(f"kitti camera must be one of {CAMERAS}, got {camera!r}")
    names = list(sequences) if sequences else sorted(
        n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n)))
    if not names:
        raise FileNotFoundError(f"no sequence folders in {root}")
    return [_read_sequence(dataset_dir, name, camera) for name in names]


def _read_sequence(dataset_dir: str, name: str, camera: str) -> Sequence:
    folder = require_dir(os.path.join(dataset_dir, "sequences", name), f"KITTI odometry sequence {name}")
    if not camera:
        camera = "image_2" if os.path.isdir(os.path.join(folder, "image_2")) else "image_0"
    frames = list_images(os.path.join(folder, camera))
    calib_path = os.path.join(folder, "calib.txt")
    intrinsics, offset = projection_to_intrinsics(read_calib_entries(calib_path), "P" + camera[-1], calib_path)
    timestamps = None
    times_path = os.path.join(folder, "times.txt")
    if os.path.isfile(times_path):
        timestamps = read_matrix_rows(times_path, 1)[:, 0]
        if len(timestamps) != len(frames):
            timestamps = None
    gt_poses = None
    poses_path = os.path.join(dataset_dir, "poses", name + ".txt")
    if os.path.isfile(poses_path):
        poses = read_matrix_rows(poses_path, 12).reshape(-1, 3, 4)
        if len(poses) != len(frames):
            raise ValueError(f"{poses_path} has {len(poses)} poses for {len(frames)} images in {folder}/{camera}")
        gt_poses = _camera_poses(poses, offset)
    return Sequence(name=name, frames=frames, frame_ids=np.arange(len(frames)),
                    intrinsics=intrinsics, timestamps=timestamps, gt_poses=gt_poses)


def _camera_poses(cam0_poses: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Camera-0-to-world poses [N, 3, 4] -> the chosen camera's, given its P = K [I | t].

    Rectified camera c sees a camera-0 point X0 at Xc = X0 + t, so camera c to camera 0 is
    [I | -t] and camera c to world is T_w0 · [I | -t]: R stays, the centre moves by -R·t.
    (For camera 0, t = 0 and the poses are returned unchanged.)
    """
    rotations = cam0_poses[:, :, :3]
    centres = cam0_poses[:, :, 3] - rotations @ offset
    return np.concatenate([rotations, centres[:, :, None]], axis=2)

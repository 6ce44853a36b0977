"""Minimal readers of raw sequences with ground-truth poses, for pose evaluation.

Each returns `(image_paths [F], gt_poses float64 [F, 4, 4] camera-to-world, timestamps float64 [F])`.
  * KITTI odometry: `<root>/sequences/NN/image_2|image_0/*.png`, `<root>/poses/NN.txt`,
    optional `<root>/sequences/NN/times.txt` (else 10 Hz).
  * TUM RGB-D: `<root>/rgb.txt` (timestamp -> file), `<root>/groundtruth.txt`; each colour frame
    takes the nearest ground-truth pose within 0.02 s, frames without one are dropped.
"""

import os

import numpy as np

from sfmlearner_tf.inference import image_io, trajectory_io

KITTI_IMAGE_FOLDERS = ("image_2", "image_0", "image_3", "image_1")


def load_kitti_odometry(dataset_dir: str, sequence: str, image_folder: str = "") -> tuple[list, np.ndarray, np.ndarray]:
    """A KITTI odometry sequence; `image_folder` defaults to the first present of image_2, image_0, ..."""
    sequence_dir = os.path.join(dataset_dir, "sequences", sequence)
    if not os.path.isdir(sequence_dir):
        raise FileNotFoundError(f"KITTI odometry sequence folder {sequence_dir} not found")
    folders = [image_folder] if image_folder else KITTI_IMAGE_FOLDERS
    present = [name for name in folders if os.path.isdir(os.path.join(sequence_dir, name))]
    if not present:
        raise FileNotFoundError(f"none of {list(folders)} in {sequence_dir}")
    image_paths = image_io.list_images(os.path.join(sequence_dir, present[0]))
    poses_path = os.path.join(dataset_dir, "poses", f"{sequence}.txt")
    gt_poses = trajectory_io.read_kitti_poses(poses_path)
    if len(gt_poses) < len(image_paths):
        raise ValueError(f"{poses_path} has {len(gt_poses)} poses for {len(image_paths)} frames")
    times_path = os.path.join(sequence_dir, "times.txt")
    if os.path.isfile(times_path):
        timestamps = np.loadtxt(times_path, ndmin=1)[: len(image_paths)]
    else:
        timestamps = np.arange(len(image_paths)) / 10.0
    return image_paths, gt_poses[: len(image_paths)], timestamps


def _read_file_list(path: str) -> tuple[np.ndarray, list]:
    """TUM `timestamp filename` list (comments skipped)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"TUM file list {path} not found")
    stamps, names = [], []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) < 2:
                raise ValueError(f"{path}:{number}: expected 'timestamp filename', got {line!r}")
            stamps.append(float(parts[0]))
            names.append(parts[1])
    if not names:
        raise ValueError(f"TUM file list {path} is empty")
    return np.asarray(stamps), names


def load_tum(dataset_dir: str, max_difference: float = 0.02) -> tuple[list, np.ndarray, np.ndarray]:
    """A TUM RGB-D sequence's colour frames with associated ground-truth poses."""
    stamps, names = _read_file_list(os.path.join(dataset_dir, "rgb.txt"))
    gt_stamps, gt_poses = trajectory_io.read_tum_trajectory(os.path.join(dataset_dir, "groundtruth.txt"))
    match = trajectory_io.associate_timestamps(stamps, gt_stamps, max_difference)
    keep = np.flatnonzero(match >= 0)
    if len(keep) == 0:
        raise ValueError(f"no frame of {dataset_dir}/rgb.txt has a ground-truth pose within {max_difference} s")
    image_paths = [os.path.join(dataset_dir, names[i]) for i in keep]
    return image_paths, gt_poses[match[keep]], stamps[keep]


def load_frames(image_paths: list, height: int, width: int) -> np.ndarray:
    """uint8 [F, height, width, 3]: every frame read (channel policy of image_io) and resized."""
    return np.stack([image_io.resize_bilinear(image_io.read_rgb(path), height, width) for path in image_paths])

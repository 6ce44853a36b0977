"""Reader of a TUM RGB-D sequence folder (Sturm et al., IROS 2012).

`rgb.txt` / `depth.txt` (`timestamp path` lines), `groundtruth.txt` (`timestamp tx ty tz qx qy qz
qw`, camera-to-world), `rgb/*.png`, `depth/*.png` (uint16, 5000 units per metre, 0 = none). Each
colour frame gets the depth map and the pose nearest in time, within `max_time_difference`.
Colour frames without a pose are dropped (and snippets never span the gap); a frame without a
depth map keeps an all-zero ('unknown') depth.
"""

import os
import re
from typing import Optional

import numpy as np

from data_prep.frame_ops import image_size
from data_prep.readers.base import Sequence, intrinsics_from_values, require_dir, require_file

# Published colour-camera intrinsics (fx, fy, cx, cy) of the three Kinect sensors, at the
# recordings' 640x480; `camera_intrinsics` rescales them for a folder of resized frames.
CAMERAS_SIZE = (480, 640)
CAMERAS = {
    "fr1": (517.3, 516.5, 318.6, 255.3),
    "fr2": (520.9, 521.0, 325.1, 249.7),
    "fr3": (535.4, 539.2, 320.1, 247.6),
}
DEPTH_SCALE = 5000.0


def read_sequences(dataset_dir: str, intrinsics: Optional[np.ndarray] = None, require_gt: bool = True,
                   max_time_difference: float = 0.02) -> list:
    """One Sequence per TUM folder (`dataset_dir` itself, or each subfolder holding an rgb.txt).

    intrinsics: float [3, 3]; None takes the published ones of fr1/fr2/fr3 from the folder name.
    require_gt: depth.txt and groundtruth.txt must exist (else a FileNotFoundError names them).
    """
    require_dir(dataset_dir, "TUM RGB-D")
    if os.path.isfile(os.path.join(dataset_dir, "rgb.txt")):
        folders = [dataset_dir]
    else:
        folders = sorted(os.path.join(dataset_dir, n) for n in os.listdir(dataset_dir)
                         if os.path.isfile(os.path.join(dataset_dir, n, "rgb.txt")))
        if not folders:
            raise FileNotFoundError(f"{os.path.join(dataset_dir, 'rgb.txt')} does not exist (nor any */rgb.txt)")
    return [_read_sequence(folder, intrinsics, require_gt, max_time_difference) for folder in folders]


def camera_intrinsics(folder: str, image_size: tuple = CAMERAS_SIZE) -> np.ndarray:
    """K of fr1/fr2/fr3 recognised in the folder name (`freiburg1` or `fr1`), at `image_size`
    (height, width) of its frames: the published K is for 640x480, and a folder of frames resized
    by s (e.g. halved to 320x240) gets f' = s f and c' = s (c + 0.5) - 0.5 (pixel centres at
    integers, DESIGN.md). A size of another aspect ratio is refused: the frames were cropped."""
    match = re.search(r"(?:freiburg|fr)([123])", os.path.basename(os.path.abspath(folder)))
    if not match:
        raise ValueError(
            f"cannot tell the TUM camera (fr1/fr2/fr3) from the folder name {folder!r}: "
            "pass --fx --fy --cx --cy or --intrinsics_file"
        )
    scale_y, scale_x = (np.asarray(image_size, np.float64) / CAMERAS_SIZE)
    if abs(scale_x - scale_y) > 1e-3 * scale_x:
        raise ValueError(f"{folder}: frames of {image_size[1]}x{image_size[0]} are not the TUM camera's 640x480 "
                         "resized: pass --fx --fy --cx --cy or --intrinsics_file")
    fx, fy, cx, cy = CAMERAS["fr" + match.group(1)]
    return intrinsics_from_values((fx * scale_x, fy * scale_y, (cx + 0.5) * scale_x - 0.5,
                                   (cy + 0.5) * scale_y - 0.5), folder)


def read_timestamped(path: str, columns: int) -> tuple:
    """`timestamp value…` lines -> (times float64 [N], list of N lists of `columns` strings)."""
    require_file(path, "TUM list")
    times, values = [], []
    with open(path) as f:
        for line_number, line in enumerate(f, 1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            if len(fields) != columns + 1:
                raise ValueError(f"{path}:{line_number}: expected {columns + 1} fields, got {len(fields)}")
            try:
                times.append(float(fields[0]))
            except ValueError as error:
                raise ValueError(f"{path}:{line_number}: bad timestamp {fields[0]!r}") from error
            values.append(fields[1:])
    if not times:
        raise ValueError(f"{path} lists nothing")
    return np.asarray(times, np.float64), values


def nearest(query: np.ndarray, reference: np.ndarray, tolerance: float) -> np.ndarray:
    """Index into `reference` of the nearest time of each `query` time, -1 when none is within tolerance."""
    order = np.argsort(reference)
    sorted_times = reference[order]
    last = len(sorted_times) - 1
    after = np.searchsorted(sorted_times, query)
    left, right = np.clip(after - 1, 0, last), np.clip(after, 0, last)
    pick = np.where(np.abs(sorted_times[left] - query) <= np.abs(sorted_times[right] - query), left, right)
    found = np.abs(sorted_times[pick] - query) <= tolerance
    return np.where(found, order[pick], -1)


def quaternion_pose(values: np.ndarray) -> np.ndarray:
    """[N, 7] `tx ty tz qx qy qz qw` -> camera-to-world [N, 3, 4].

    R of a unit quaternion (x, y, z, w):
      [[1-2(y²+z²), 2(xy-zw),   2(xz+yw)],
       [2(xy+zw),   1-2(x²+z²), 2(yz-xw)],
       [2(xz-yw),   2(yz+xw),   1-2(x²+y²)]]
    """
    t = values[:, :3]
    q = values[:, 3:] / np.linalg.norm(values[:, 3:], axis=1, keepdims=True)
    x, y, z, w = q.T
    rotation = np.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
        2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
        2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
    ], axis=1).reshape(-1, 3, 3)
    return np.concatenate([rotation, t[:, :, None]], axis=2)


def _read_sequence(folder: str, intrinsics, require_gt: bool, tolerance: float) -> Sequence:
    rgb_times, rgb_files = read_timestamped(os.path.join(folder, "rgb.txt"), 1)
    frames = [os.path.join(folder, f[0]) for f in rgb_files]
    keep = np.ones(len(frames), bool)
    depth_files, gt_poses = None, None
    depth_path, poses_path = os.path.join(folder, "depth.txt"), os.path.join(folder, "groundtruth.txt")
    if require_gt:
        require_file(depth_path, "TUM depth list")
        require_file(poses_path, "TUM ground-truth trajectory")
    if os.path.isfile(depth_path):
        depth_times, depth_names = read_timestamped(depth_path, 1)
        match = nearest(rgb_times, depth_times, tolerance)
        depth_files = [os.path.join(folder, depth_names[m][0]) if m >= 0 else None for m in match]
    if os.path.isfile(poses_path):
        pose_times, pose_values = read_timestamped(poses_path, 7)
        match = nearest(rgb_times, pose_times, tolerance)
        keep = match >= 0
        if not keep.any():
            raise ValueError(f"{poses_path}: no pose within {tolerance} s of any frame of {folder}/rgb.txt")
        gt_poses = quaternion_pose(np.asarray(pose_values, np.float64)[match[keep]])
    indices = np.flatnonzero(keep)
    return Sequence(
        name=os.path.basename(os.path.abspath(folder)),
        frames=[frames[i] for i in indices], frame_ids=indices,
        intrinsics=intrinsics if intrinsics is not None else camera_intrinsics(folder, image_size(frames[indices[0]])),
        timestamps=rgb_times[indices],
        depth_files=[depth_files[i] for i in indices] if depth_files is not None else None,
        depth_scale=DEPTH_SCALE, gt_poses=gt_poses,
    )

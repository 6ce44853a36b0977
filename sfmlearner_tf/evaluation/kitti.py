"""KITTI raw ground truth for the Eigen split: calibration files, Velodyne scans, projection.

Layout of KITTI raw (as published):
  <root>/<date>/calib_cam_to_cam.txt, calib_velo_to_cam.txt
  <root>/<date>/<drive>/image_02/data/<index:010d>.png
  <root>/<date>/<drive>/velodyne_points/data/<index:010d>.bin   (float32 x y z reflectance)

The projection follows the protocol's reference code (Eigen et al.; SfMLearner's `kitti_eval`,
monodepth2's `kitti_utils.generate_depth_map`): velodyne -> camera 0 by [R | T], rectification
R_rect_00, projection P_rect_02; points with x > 0 in the velodyne frame; pixel coordinates
rounded; where several points land on a pixel the nearest one wins.
"""

import os
from typing import NamedTuple

import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def read_calib_file(path: str) -> dict:
    """`key: v1 v2 ...` lines -> {key: float64 array}; non-numeric values (dates) stay strings."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"calibration file {path} not found")
    data = {}
    with open(path) as f:
        for line in f:
            if ":" not in line:
                continue
            key, value = line.split(":", 1)
            value = value.strip()
            try:
                data[key.strip()] = np.array([float(part) for part in value.split()], np.float64)
            except ValueError:
                data[key.strip()] = value
    return data


def _calib_entry(calib: dict, key: str, size: int, path: str) -> np.ndarray:
    value = calib.get(key)
    if not isinstance(value, np.ndarray) or value.size != size:
        raise ValueError(f"{path}: entry {key!r} with {size} numbers missing or malformed")
    return value


def camera_intrinsics(calib_dir: str, camera: int = 2) -> np.ndarray:
    """float64 [3, 3]: K of rectified camera `camera` at the images' native size (P_rect_0c's left block)."""
    cam_path = os.path.join(calib_dir, "calib_cam_to_cam.txt")
    return _calib_entry(read_calib_file(cam_path), f"P_rect_0{camera}", 12, cam_path).reshape(3, 4)[:, :3].copy()


def velodyne_to_image_matrix(calib_dir: str, camera: int = 2) -> np.ndarray:
    """float64 [3, 4]: homogeneous velodyne point -> homogeneous pixel of rectified camera `camera`.

    P_velo2im = P_rect_0c · R_rect_00 (4x4) · [R | T; 0 0 0 1] (velodyne -> camera 0).
    """
    cam_path = os.path.join(calib_dir, "calib_cam_to_cam.txt")
    velo_path = os.path.join(calib_dir, "calib_velo_to_cam.txt")
    cam2cam = read_calib_file(cam_path)
    velo2cam = read_calib_file(velo_path)
    velo_to_cam = np.eye(4)
    velo_to_cam[:3, :3] = _calib_entry(velo2cam, "R", 9, velo_path).reshape(3, 3)
    velo_to_cam[:3, 3] = _calib_entry(velo2cam, "T", 3, velo_path)
    rectification = np.eye(4)
    rectification[:3, :3] = _calib_entry(cam2cam, "R_rect_00", 9, cam_path).reshape(3, 3)
    projection = _calib_entry(cam2cam, f"P_rect_0{camera}", 12, cam_path).reshape(3, 4)
    return projection @ rectification @ velo_to_cam


def load_velodyne_points(path: str) -> np.ndarray:
    """A `.bin` scan -> float32 [N, 4] (x, y, z, reflectance), velodyne frame, metres."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"velodyne scan {path} not found")
    raw = np.fromfile(path, dtype=np.float32)
    if raw.size % 4:
        raise ValueError(f"velodyne scan {path} has {raw.size} floats, not a multiple of 4")
    return raw.reshape(-1, 4)


def project_velodyne(points: np.ndarray, velo_to_image: np.ndarray, height: int, width: int, one_based_offset: bool = True) -> np.ndarray:
    """Sparse depth map of the camera from velodyne points.

    Args:
      points: float [N, 3+] velodyne-frame points (x forward, metres); extra columns ignored.
      velo_to_image: float [3, 4] (see `velodyne_to_image_matrix`).
      height, width: the image's native size.
      one_based_offset: subtract 1 after rounding, as every published Eigen-split evaluation
        does (the code descends from MATLAB's 1-based indexing). Keep it on to compare with
        published numbers; off gives the geometric convention (pixel centres at integers).

    Returns:
      float32 [height, width] z-depth in the rectified camera, metres, 0 where no point lands.
    """
    points = np.asarray(points, np.float64)
    points = points[points[:, 0] > 0, :3]
    homogeneous = np.concatenate([points, np.ones((len(points), 1))], axis=1)
    projected = homogeneous @ velo_to_image.T
    depth = projected[:, 2]
    in_front = depth > 0
    projected, depth = projected[in_front], depth[in_front]
    u = np.round(projected[:, 0] / depth)
    v = np.round(projected[:, 1] / depth)
    if one_based_offset:
        u, v = u - 1, v - 1
    inside = (u >= 0) & (v >= 0) & (u < width) & (v < height)
    u, v, depth = u[inside].astype(np.int64), v[inside].astype(np.int64), depth[inside]
    # Nearest point wins (an unbuffered minimum: plain fancy assignment has no defined order).
    depth_map = np.full((height, width), np.inf)
    np.minimum.at(depth_map, (v, u), depth)
    depth_map[np.isinf(depth_map)] = 0
    return depth_map.astype(np.float32)


def generate_depth_map(calib_dir: str, velodyne_path: str, height: int, width: int, camera: int = 2) -> np.ndarray:
    """Ground-truth depth of KITTI raw camera `camera` from one scan; float32 [height, width]."""
    return project_velodyne(load_velodyne_points(velodyne_path), velodyne_to_image_matrix(calib_dir, camera), height, width)


class KittiSample(NamedTuple):
    """One test frame of KITTI raw: its image, its scan and its day's calibration folder."""

    image_path: str
    velodyne_path: str
    calib_dir: str
    camera: int


def _find_image(path_without_extension: str) -> str:
    for extension in IMAGE_EXTENSIONS:
        if os.path.isfile(path_without_extension + extension):
            return path_without_extension + extension
    return path_without_extension + IMAGE_EXTENSIONS[0]


def parse_test_line(line: str, dataset_dir: str) -> KittiSample:
    """One line of an Eigen test list -> KittiSample. Accepted formats:

      2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png   (SfMLearner)
      2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png <right image>  (monodepth)
      2011_09_26/2011_09_26_drive_0002_sync 69 l                          (monodepth2; l = cam 2, r = cam 3)
    """
    parts = line.split()
    if not parts:
        raise ValueError("empty test-list line")
    if len(parts) == 3 and parts[2] in ("l", "r"):
        drive, index = parts[0], int(parts[1])
        camera = 2 if parts[2] == "l" else 3
    else:
        relative = parts[0]
        pieces = relative.replace("\\", "/").split("/")
        if len(pieces) < 5 or not pieces[2].startswith("image_0"):
            raise ValueError(f"unrecognized test-list line {line.strip()!r}")
        drive, camera = "/".join(pieces[:2]), int(pieces[2][-1])
        index = int(os.path.splitext(pieces[-1])[0])
    date = drive.split("/")[0]
    drive_dir = os.path.join(dataset_dir, drive)
    return KittiSample(
        image_path=_find_image(os.path.join(drive_dir, f"image_0{camera}", "data", f"{index:010d}")),
        velodyne_path=os.path.join(drive_dir, "velodyne_points", "data", f"{index:010d}.bin"),
        calib_dir=os.path.join(dataset_dir, date),
        camera=camera,
    )


def read_test_file_list(path: str, dataset_dir: str) -> list[KittiSample]:
    """All samples of an Eigen test list; errors name the file and line."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"test file list {path} not found")
    samples = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            try:
                samples.append(parse_test_line(line, dataset_dir))
            except ValueError as error:
                raise ValueError(f"{path}:{number}: {error}") from error
    if not samples:
        raise ValueError(f"test file list {path} has no entries")
    return samples

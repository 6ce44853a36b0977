"""Reader of KITTI raw synced drives (the SfMLearner / Eigen training data).

Layout: `<date>/<date>_drive_<NNNN>_sync/image_02/data/*.png` and `image_03/...` (each camera is a
separate sequence; both cameras of a drive share a split), `<date>/calib_cam_to_cam.txt`
(`P_rect_02`, `P_rect_03` give K), `<drive>/oxts/data/*.txt` (GPS/IMU per frame; fields 8, 9 are
the forward and leftward speed vf, vl in m/s).

Static frames (the car standing still teaches nothing about depth and breaks the photometric loss)
are removed either by OXTS speed below a threshold or from a list file in the SfMLearner format
(`2011_09_26 2011_09_26_drive_0009_sync 0000000386`). Drives named in an exclude list (e.g. the
Eigen test files, or test scene names like `2011_09_26_drive_0117`) are left out entirely, as the
SfMLearner data preparation does.
"""

import os
import re
import numpy as np

from data_prep.readers.base import (Sequence, list_images, projection_to_intrinsics, read_calib_entries,
                                    require_dir, require_file)

_DRIVE = re.compile(r"(\d{4}_\d{2}_\d{2}_drive_\d{4})")
_DATE = re.compile(r"^\d{4}_\d{2}_\d{2}$")
_SPEED_FIELDS = (8, 9)


def read_sequences(dataset_dir: str, cameras: tuple = ("02", "03"), static_speed_threshold: float = 0.0,
                   static_frames_file: str = "", exclude_list: str = "") -> list:
    """Every drive under `dataset_dir` (minus excluded ones), one Sequence per drive and camera.

    static_speed_threshold: m/s; frames whose OXTS horizontal speed is below it are removed
      (0 disables; needs each drive's oxts/data).
    static_frames_file, exclude_list: optional list files (formats in the module docstring).
    """
    require_dir(dataset_dir, "KITTI raw")
    excluded = read_drive_list(exclude_list) if exclude_list else set()
    static = read_static_frames(static_frames_file) if static_frames_file else {}
    dates = sorted(n for n in os.listdir(dataset_dir) if _DATE.match(n)
                   and os.path.isdir(os.path.join(dataset_dir, n)))
    if not dates:
        raise FileNotFoundError(f"no date folders (like 2011_09_26) in KITTI raw folder {dataset_dir}")
    sequences = []
    for date in dates:
        date_dir = os.path.join(dataset_dir, date)
        drives = sorted(n for n in os.listdir(date_dir) if _DRIVE.match(n) and n.endswith("_sync")
                        and os.path.isdir(os.path.join(date_dir, n)))
        drives = [d for d in drives if _DRIVE.match(d).group(1) not in excluded]
        if not drives:
            continue
        calib_path = os.path.join(date_dir, "calib_cam_to_cam.txt")
        calib = read_calib_entries(calib_path)
        for drive in drives:
            drive_id = _DRIVE.match(drive).group(1)
            speeds = None
            if static_speed_threshold > 0:
                speeds = read_oxts_speeds(os.path.join(date_dir, drive, "oxts", "data"))
            for camera in cameras:
                intrinsics, _ = projection_to_intrinsics(calib, "P_rect_" + camera, calib_path)
                frames = list_images(os.path.join(date_dir, drive, f"image_{camera}", "data"))
                ids = np.asarray([int(os.path.splitext(os.path.basename(f))[0]) for f in frames])
                keep = ~np.isin(ids, sorted(static.get(drive_id, ())))
                if speeds is not None:
                    if len(speeds) != len(frames):
                        raise ValueError(f"{os.path.join(date_dir, drive, 'oxts', 'data')} has {len(speeds)} "
                                         f"files for {len(frames)} images of image_{camera}")
                    keep &= speeds >= static_speed_threshold
                sequences.append(Sequence(
                    name=f"{drive}_{camera}", frames=[f for f, k in zip(frames, keep) if k],
                    frame_ids=ids[keep], intrinsics=intrinsics, group=drive,
                ))
    if not sequences:
        raise FileNotFoundError(f"no drives left in {dataset_dir} (excluded: {len(excluded)} drive names)")
    return sequences


def read_oxts_speeds(folder: str) -> np.ndarray:
    """Horizontal speed sqrt(vf² + vl²) in m/s of every OXTS file of `folder`, sorted by name."""
    require_dir(folder, "OXTS data (needed by --static_speed_threshold; set it to 0 to keep every frame)")
    names = sorted(n for n in os.listdir(folder) if n.endswith(".txt"))
    speeds = []
    for name in names:
        path = os.path.join(folder, name)
        with open(path) as f:
            fields = f.read().split()
        try:
            forward, left = (float(fields[i]) for i in _SPEED_FIELDS)
        except (IndexError, ValueError) as error:
            raise ValueError(f"{path}: expected an OXTS record of 30 numbers: {error}") from error
        speeds.append(np.hypot(forward, left))
    return np.asarray(speeds, np.float64)


def read_drive_list(path: str) -> set:
    """Drive ids (`2011_09_26_drive_0002`) named anywhere on the lines of a list file."""
    require_file(path, "exclude list")
    drives = set()
    with open(path) as f:
        for line_number, line in enumerate(f, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            match = _DRIVE.search(text)
            if not match:
                raise ValueError(f"{path}:{line_number}: no drive name like 2011_09_26_drive_0002 in {text!r}")
            drives.add(match.group(1))
    return drives


def read_static_frames(path: str) -> dict:
    """`date drive frame` lines -> {drive id: set of frame numbers} (both cameras)."""
    require_file(path, "static frames list")
    static: dict = {}
    with open(path) as f:
        for line_number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            match = _DRIVE.search(line)
            try:
                frame = int(fields[-1])
            except ValueError:
                match = None
            if not match or len(fields) < 2:
                raise ValueError(f"{path}:{line_number}: expected 'date drive frame', got {line.strip()!r}")
            static.setdefault(match.group(1), set()).add(frame)
    return static


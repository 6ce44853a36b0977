"""Raw-dataset readers: each lists a dataset's sequences (`base.Sequence`) without decoding images."""

from typing import Optional

import numpy as np

from data_prep.readers import cityscapes, frames, kitti_odom, kitti_raw, synthetic, tum
from data_prep.readers.base import Sequence

FORMATS = ("synthetic", "kitti_raw", "kitti_odom", "cityscapes", "tum", "frames")


def read_sequences(
    dataset_format: str,
    dataset_dir: str,
    intrinsics: Optional[np.ndarray] = None,
    kitti_camera: str = "",
    sequences: Optional[list] = None,
    static_speed_threshold: float = 0.0,
    static_frames_file: str = "",
    exclude_list: str = "",
    cityscapes_split: str = "train",
    crop_bottom: float = 0.25,
    require_gt: bool = True,
    scratch_dir: str = "",
    unknown_intrinsics: bool = False,
) -> list:
    """The sequences of `dataset_dir` in `dataset_format` (see each reader module for its layout).

    intrinsics: float [3, 3] at native resolution; used by `frames` (required) and `tum` (overrides
      the published fr1/fr2/fr3 values); any other reader takes K from its calibration files.
    unknown_intrinsics: `frames` only: no K, write a guess (frames.guessed_intrinsics).
    """
    if dataset_format not in FORMATS:
        raise ValueError(f"dataset_format must be one of {FORMATS}, got {dataset_format!r}")
    if intrinsics is not None and dataset_format not in ("frames", "tum"):
        raise ValueError(f"{dataset_format} reads the intrinsics from its calibration files; "
                         "--intrinsics_file / --fx --fy --cx --cy apply to frames and tum only")
    if unknown_intrinsics and dataset_format != "frames":
        raise ValueError(f"{dataset_format} has its own calibration; --unknown_intrinsics applies to frames only")
    if sequences and dataset_format != "kitti_odom":
        raise ValueError("--sequences applies to kitti_odom only")
    if dataset_format == "synthetic":
        result = synthetic.read_sequences(dataset_dir)
    elif dataset_format == "kitti_raw":
        cameras = (kitti_camera.replace("image_", ""),) if kitti_camera else ("02", "03")
        result = kitti_raw.read_sequences(dataset_dir, cameras, static_speed_threshold, static_frames_file,
                                          exclude_list)
    elif dataset_format == "kitti_odom":
        camera = kitti_camera if not kitti_camera or kitti_camera.startswith("image_") else "image_" + kitti_camera
        result = kitti_odom.read_sequences(dataset_dir, sequences, camera)
    elif dataset_format == "cityscapes":
        result = cityscapes.read_sequences(dataset_dir, cityscapes_split, crop_bottom)
    elif dataset_format == "tum":
        result = tum.read_sequences(dataset_dir, intrinsics, require_gt)
    else:
        result = frames.read_sequences(dataset_dir, intrinsics, scratch_dir, unknown_intrinsics)
    return result


__all__ = ["FORMATS", "Sequence", "read_sequences"]

"""What every raw-dataset reader hands to the TFRecord builder: a list of `Sequence`s.

A reader only lists files and parses calibration / ground truth; it never decodes images (the
builder does that in worker processes). Each reader module exposes
`read_sequences(dataset_dir, **options) -> list[Sequence]` and raises `FileNotFoundError` /
`ValueError` naming the file (and line) for anything it cannot use.
"""

import dataclasses
import os
from typing import Optional

import numpy as np


@dataclasses.dataclass
class Sequence:
    """One continuous recording by one camera (the unit of the train/val split).

    Attributes:
      name: id written into every snippet (`sequence` feature), unique within a dataset.
      frames: N image paths in time order.
      frame_ids: int64 [N], the original index of each frame, strictly increasing. A jump marks
        frames the reader removed (static frames, frames without ground truth); snippets never
        span a jump.
      intrinsics: float64 [3, 3], K at the native (file) resolution, pixel centres at integers.
      timestamps: optional float64 [N], seconds.
      depth_files: optional N paths (or None for a frame without depth) of z-depth maps in the
        camera frame at the image's native resolution: `.npy` float32 metres, or a 16-bit PNG
        whose value divided by `depth_scale` is metres (0 = no measurement).
      depth_scale: raw PNG depth units per metre (TUM: 5000).
      gt_poses: optional float64 [N, 3, 4], camera-to-world pose of each frame (metres).
      crop_bottom: fraction of the image height removed at the bottom before resizing (e.g. a
        car bonnet); the top rows stay, so cx, cy are unchanged by the crop.
      group: sequences of one group always land in the same split (e.g. the two cameras of a
        KITTI drive); empty = the sequence is its own group.
    """

    name: str
    frames: list
    frame_ids: np.ndarray
    intrinsics: np.ndarray
    timestamps: Optional[np.ndarray] = None
    depth_files: Optional[list] = None
    depth_scale: float = 1.0
    gt_poses: Optional[np.ndarray] = None
    crop_bottom: float = 0.0
    group: str = ""

    def __post_init__(self):
        count = len(self.frames)
        self.frame_ids = np.asarray(self.frame_ids, np.int64)
        self.intrinsics = np.asarray(self.intrinsics, np.float64)
        if self.frame_ids.shape != (count,):
            raise ValueError(f"sequence {self.name!r}: {count} frames but frame_ids of shape {self.frame_ids.shape}")
        if count > 1 and np.any(np.diff(self.frame_ids) <= 0):
            raise ValueError(f"sequence {self.name!r}: frame_ids must be strictly increasing")
        if self.intrinsics.shape != (3, 3):
            raise ValueError(f"sequence {self.name!r}: intrinsics must be 3x3, got {self.intrinsics.shape}")
        if self.depth_files is not None and len(self.depth_files) != count:
            raise ValueError(f"sequence {self.name!r}: {count} frames but {len(self.depth_files)} depth files")
        if self.gt_poses is not None:
            self.gt_poses = np.asarray(self.gt_poses, np.float64)
            if self.gt_poses.shape != (count, 3, 4):
                raise ValueError(
                    f"sequence {self.name!r}: gt_poses must be [{count}, 3, 4], got {self.gt_poses.shape}"
                )
        if not 0.0 <= self.crop_bottom < 1.0:
            raise ValueError(f"sequence {self.name!r}: crop_bottom must be in [0, 1), got {self.crop_bottom}")


    def part(self, start: float, end: float) -> "Sequence":
        """The frames from fraction `start` to fraction `end` of this sequence (0 <= start < end <= 1),
        e.g. (0, 0.8) to train on and (0.8, 1) to hold out: the frame at position i is kept when
        start * N <= i < end * N."""
        count = len(self.frames)
        keep = slice(int(round(start * count)), int(round(end * count)))

        def cut(values):
            return None if values is None else values[keep]

        return dataclasses.replace(self, frames=self.frames[keep], frame_ids=self.frame_ids[keep],
                                   timestamps=cut(self.timestamps), depth_files=cut(self.depth_files),
                                   gt_poses=cut(self.gt_poses))


def parse_frame_range(text: str) -> tuple[float, float]:
    """'START:END' (fractions of each sequence, e.g. '0:0.8') -> (start, end); ValueError quoting it."""
    try:
        start, end = (float(value) for value in text.split(":"))
    except ValueError:
        raise ValueError(f"--frame_range {text!r}: expected START:END, fractions such as 0:0.8") from None
    if not 0.0 <= start < end <= 1.0:
        raise ValueError(f"--frame_range {text!r}: need 0 <= START < END <= 1")
    return start, end


IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")


def require_dir(path: str, what: str) -> str:
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{what} folder {path} does not exist")
    return path


def require_file(path: str, what: str) -> str:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} file {path} does not exist")
    return path


def list_images(folder: str) -> list:
    """Image files of `folder`, sorted by name; an error names the folder when there are none."""
    require_dir(folder, "image")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTENSIONS))
    if not names:
        raise FileNotFoundError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) in {folder}")
    return [os.path.join(folder, n) for n in names]


def read_matrix_rows(path: str, columns: int) -> np.ndarray:
    """Rows of `columns` numbers (blank lines and `#` comments skipped) -> float64 [rows, columns]."""
    require_file(path, "matrix")
    rows = []
    with open(path) as f:
        for line_number, line in enumerate(f, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            try:
                values = [float(v) for v in text.split()]
            except ValueError as error:
                raise ValueError(f"{path}:{line_number}: not numbers: {line.strip()!r}") from error
            if len(values) != columns:
                raise ValueError(f"{path}:{line_number}: expected {columns} numbers, got {len(values)}")
            rows.append(values)
    if not rows:
        raise ValueError(f"{path} holds no rows of {columns} numbers")
    return np.asarray(rows, np.float64)


def read_calib_entries(path: str) -> dict:
    """`KEY: numbers` lines of a KITTI calibration file -> {key: float64 array}; other lines skipped."""
    require_file(path, "calibration")
    entries = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.partition(":")
            if not sep:
                continue
            try:
                entries[key.strip()] = np.asarray([float(v) for v in value.split()], np.float64)
            except ValueError:
                # Dates and names (e.g. calib_time) are not matrices.
                continue
    return entries


def projection_to_intrinsics(entries: dict, key: str, path: str) -> tuple:
    """A 3x4 rectified projection `P = K [I | t]` -> (K [3, 3], t [3]), t = K⁻¹ P[:, 3] in metres."""
    if key not in entries:
        raise ValueError(f"{path} has no {key} matrix (has {sorted(entries)})")
    if entries[key].size != 12:
        raise ValueError(f"{path}: {key} must have 12 numbers, got {entries[key].size}")
    projection = entries[key].reshape(3, 4)
    intrinsics = projection[:, :3].copy()
    return intrinsics, np.linalg.solve(intrinsics, projection[:, 3])


def intrinsics_from_values(values, source: str) -> np.ndarray:
    """`fx fy cx cy` (4 numbers) or a row-major 3x3 (9 numbers) -> float64 [3, 3]."""
    values = np.asarray(values, np.float64).ravel()
    if values.size == 4:
        fx, fy, cx, cy = values
        matrix = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], np.float64)
    elif values.size == 9:
        matrix = values.reshape(3, 3)
    else:
        raise ValueError(f"{source}: intrinsics need 4 numbers (fx fy cx cy) or 9 (3x3), got {values.size}")
    if matrix[0, 0] <= 0 or matrix[1, 1] <= 0:
        raise ValueError(f"{source}: focal lengths must be positive, got fx={matrix[0, 0]}, fy={matrix[1, 1]}")
    return matrix


def read_intrinsics_file(path: str) -> np.ndarray:
    """A text file of `fx fy cx cy` or a 3x3 K (any whitespace, `#` comments) -> float64 [3, 3]."""
    require_file(path, "intrinsics")
    with open(path) as f:
        text = " ".join(line.split("#", 1)[0] for line in f)
    try:
        values = [float(v) for v in text.split()]
    except ValueError as error:
        raise ValueError(f"{path}: intrinsics must be numbers: {error}") from error
    return intrinsics_from_values(values, path)

"""Reader of Cityscapes video sequences (leftImg8bit_sequence + camera packages).

Layout: `leftImg8bit_sequence/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png` (30-frame
snippets at 17 Hz around each annotated frame) and `camera/<split>/<city>/<city>_<seq>_<frame>_camera.json`
(`intrinsic`: fx, fy, u0, v0). The bottom of every frame shows the car's bonnet, which moves
with the camera and so contradicts any depth; like SfMLearner's loader the bottom quarter is cut
off (rows [0, int(0.75·H)) stay, so cx, cy keep their values) before resizing. (SfMLearner
resizes to 171x416 and then keeps 128 rows; cropping first and resizing to 128x416 gives the same
image up to resampling.) The reference also samples every second frame to approach KITTI's 10 Hz:
use --frame_stride=2 for that.
"""

import glob
import json
import os
import re

import numpy as np

from data_prep.readers.base import Sequence, intrinsics_from_values, require_dir

_FRAME = re.compile(r"^(.+)_(\d+)_(\d+)_leftImg8bit\.png$")


def read_sequences(dataset_dir: str, split: str = "train", crop_bottom: float = 0.25) -> list:
    """One Sequence per `<city>_<seq>` of leftImg8bit_sequence/<split>."""
    image_root = require_dir(os.path.join(dataset_dir, "leftImg8bit_sequence", split), "Cityscapes image")
    camera_root = require_dir(os.path.join(dataset_dir, "camera", split), "Cityscapes camera")
    sequences = []
    for city in sorted(os.listdir(image_root)):
        city_dir = os.path.join(image_root, city)
        if not os.path.isdir(city_dir):
            continue
        groups: dict = {}
        for name in sorted(os.listdir(city_dir)):
            match = _FRAME.match(name)
            if match:
                key = f"{match.group(1)}_{match.group(2)}"
                groups.setdefault(key, []).append((int(match.group(3)), os.path.join(city_dir, name)))
        for key, members in sorted(groups.items()):
            members.sort()
            sequences.append(Sequence(
                name=key, frames=[path for _, path in members], frame_ids=[i for i, _ in members],
                intrinsics=read_camera(os.path.join(camera_root, city), key), crop_bottom=crop_bottom,
            ))
    if not sequences:
        raise FileNotFoundError(f"no *_leftImg8bit.png frames under {image_root}")
    return sequences


def read_camera(folder: str, sequence: str) -> np.ndarray:
    """K from the first `<sequence>_*_camera.json` of `folder`."""
    pattern = os.path.join(folder, f"{sequence}_*_camera.json")
    paths = sorted(glob.glob(pattern))
    if not paths:
        raise FileNotFoundError(f"no camera file {pattern} for Cityscapes sequence {sequence}")
    try:
        with open(paths[0]) as f:
            intrinsic = json.load(f)["intrinsic"]
        values = [intrinsic[k] for k in ("fx", "fy", "u0", "v0")]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{paths[0]}: expected JSON with intrinsic fx, fy, u0, v0: {error!r}") from error
    return intrinsics_from_values(values, paths[0])

"""Reader of your own recordings: a folder of frames, a video file, or a folder of either.

- A folder of images (sorted by name) is one sequence.
- A video file is decoded with the `ffmpeg` program (not a Python dependency) into PNG frames
  in a scratch folder of the build, then read like a folder.
- A folder whose subfolders hold images, or which holds video files, gives one sequence each.

The camera intrinsics must be given (at the frames' native resolution): SfMLearner's geometry
needs them, and a wrong guess is silently learnt into the depth scale and the poses. Without a
calibration, `unknown_intrinsics` writes a guess (`guessed_intrinsics`) and the dataset says
that its K is unknown, for training with learned intrinsics.
"""

import os
import shutil
import subprocess
from typing import Optional

import numpy as np
from PIL import Image

from data_prep.readers.base import IMAGE_EXTENSIONS, Sequence, list_images

VIDEO_EXTENSIONS = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".h264")

# The focal length of a camera without calibration, as a fraction of the image width: about 64°
# of horizontal field of view, a phone's main camera. (`PoseExpNet`'s learned intrinsics start
# from the same guess, INITIAL_FOCAL; a test keeps the two equal.)
GUESSED_FOCAL = 0.8

MISSING_INTRINSICS = (
    "the frames reader needs the camera intrinsics at the frames' native resolution: pass "
    "--intrinsics_file=K.txt (a 3x3 matrix or 'fx fy cx cy') or --fx --fy --cx --cy. Calibrate "
    "with a checkerboard (e.g. OpenCV calibrateCamera) if you can; without a calibration, "
    "--unknown_intrinsics writes a guess (fx = fy = 0.8·W, about 64° horizontal field of view, "
    "the principal point at the centre) and says the K is unknown, for training with "
    "--learn_intrinsics"
)


def guessed_intrinsics(width: int, height: int) -> np.ndarray:
    """float64 [3, 3]: fx = fy = GUESSED_FOCAL · width, the principal point at the image's centre
    (pixel centres at integers, so ((W - 1) / 2, (H - 1) / 2))."""
    focal = GUESSED_FOCAL * width
    return np.array([[focal, 0.0, (width - 1) / 2], [0.0, focal, (height - 1) / 2], [0.0, 0.0, 1.0]])


def read_sequences(path: str, intrinsics: Optional[np.ndarray], scratch_dir: str = "",
                   unknown_intrinsics: bool = False) -> list:
    """Sequences of a frames folder / video / folder of those.

    intrinsics: float [3, 3] K at native resolution (None is an error explaining the options,
      unless `unknown_intrinsics`).
    scratch_dir: where decoded video frames go (needed for videos only).
    unknown_intrinsics: each sequence gets `guessed_intrinsics` of its first frame's size.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"frames folder or video {path} does not exist")
    if intrinsics is not None and unknown_intrinsics:
        raise ValueError("intrinsics given and unknown_intrinsics set: pass one of them")
    if intrinsics is None and not unknown_intrinsics:
        raise ValueError(MISSING_INTRINSICS)
    return _read(path, intrinsics, scratch_dir)


def _read(path: str, intrinsics: Optional[np.ndarray], scratch_dir: str) -> list:
    """The sequences; `intrinsics` None: each gets the guess for its first frame's size."""
    if os.path.isfile(path):
        return [_video_sequence(path, intrinsics, scratch_dir)]
    names = sorted(os.listdir(path))
    if any(n.lower().endswith(IMAGE_EXTENSIONS) for n in names):
        return [_sequence(os.path.basename(os.path.abspath(path)), list_images(path), intrinsics)]
    sequences = []
    for name in names:
        child = os.path.join(path, name)
        if os.path.isdir(child) and any(n.lower().endswith(IMAGE_EXTENSIONS) for n in os.listdir(child)):
            sequences.append(_sequence(name, list_images(child), intrinsics))
        elif os.path.isfile(child) and name.lower().endswith(VIDEO_EXTENSIONS):
            sequences.append(_video_sequence(child, intrinsics, scratch_dir))
    if not sequences:
        raise FileNotFoundError(
            f"no images ({', '.join(IMAGE_EXTENSIONS)}), image folders or videos "
            f"({', '.join(VIDEO_EXTENSIONS)}) in {path}"
        )
    return sequences


def _sequence(name: str, frames: list, intrinsics: Optional[np.ndarray], fps: float = 0.0) -> Sequence:
    count = len(frames)
    if intrinsics is None and frames:
        with Image.open(frames[0]) as first:
            intrinsics = guessed_intrinsics(*first.size)
    return Sequence(name=name, frames=frames, frame_ids=np.arange(count), intrinsics=intrinsics,
                    timestamps=np.arange(count) / fps if fps > 0 else None)


def _video_sequence(video: str, intrinsics: np.ndarray, scratch_dir: str) -> Sequence:
    """Decodes every frame of `video` to PNG (exact frames, no rate conversion)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FileNotFoundError(
            f"cannot decode video {video}: the ffmpeg program is not on PATH (install it, e.g. "
            "'apt install ffmpeg', or extract the frames yourself and pass their folder)"
        )
    if not scratch_dir:
        raise ValueError(f"decoding video {video} needs a scratch folder for its frames")
    name = os.path.splitext(os.path.basename(video))[0]
    frames_dir = os.path.join(scratch_dir, name)
    os.makedirs(frames_dir, exist_ok=True)
    # -vsync passthrough keeps every decoded frame once (no duplicates or drops to a fixed rate).
    command = [ffmpeg, "-nostdin", "-v", "error", "-i", video, "-vsync", "passthrough",
               "-start_number", "0", os.path.join(frames_dir, "%06d.png")]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise ValueError(f"ffmpeg could not decode video {video}: {result.stderr.strip()[-500:]}")
    return _sequence(name, list_images(frames_dir), intrinsics, _video_fps(video))


def _video_fps(video: str) -> float:
    """Average frame rate reported by ffprobe, 0 when unknown."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return 0.0
    result = subprocess.run(
        [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=avg_frame_rate",
         "-of", "default=noprint_wrappers=1:nokey=1", video], capture_output=True, text=True)
    numerator, _, denominator = result.stdout.strip().partition("/")
    try:
        return float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0

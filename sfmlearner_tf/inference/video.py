"""Decoding video files into RGB frames with the `ffmpeg` binary (no Python video dependency)."""

import shutil
import subprocess
from typing import Iterator

import numpy as np

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")


def _require_binary(name: str, video_path: str) -> str:
    binary = shutil.which(name)
    if binary is None:
        raise FileNotFoundError(
            f"reading the video {video_path} needs the '{name}' binary on PATH, which was not found "
            "(install ffmpeg, or extract the frames to a folder and pass the folder)"
        )
    return binary


def probe_video(path: str) -> tuple[int, int, int]:
    """(width, height, frame count or 0 when the container does not say) of the first video stream."""
    ffprobe = _require_binary("ffprobe", path)
    command = [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,nb_frames",
               "-of", "csv=p=0:s=x", path]
    completed = subprocess.run(command, capture_output=True, text=True)
    fields = completed.stdout.strip().split("x")
    if completed.returncode != 0 or len(fields) < 2:
        message = completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "no video stream"
        raise ValueError(f"{path}: cannot read video ({message})")
    count = int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else 0
    return int(fields[0]), int(fields[1]), count


def read_video_frames(path: str) -> Iterator[np.ndarray]:
    """uint8 [H, W, 3] RGB frames of a video file, in order, decoded by ffmpeg through a pipe."""
    width, height, _ = probe_video(path)
    ffmpeg = _require_binary("ffmpeg", path)
    command = [ffmpeg, "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    frame_bytes = width * height * 3
    count = 0
    try:
        while True:
            buffer = process.stdout.read(frame_bytes)
            if len(buffer) < frame_bytes:
                break
            count += 1
            yield np.frombuffer(buffer, np.uint8).reshape(height, width, 3)
        if count == 0:
            process.wait()
            message = process.stderr.read().decode(errors="replace").strip().splitlines()
            raise ValueError(f"{path}: ffmpeg decoded no frame ({message[-1] if message else 'empty video'})")
    finally:
        process.stdout.close()
        process.stderr.close()
        process.kill()
        process.wait()

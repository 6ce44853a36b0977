"""Depth (and optionally the camera trajectory) of an image, a folder of images or a video.

Every input frame is resized to the network's size, predicted in batches, and its depth resized
(bilinear) back to the frame's own size. Per frame `<name>` the output folder gets
  `<name>_depth.png`        16-bit depth x `depth_png_scale` (0 = none; 256 as KITTI),
  `<name>_depth.npy`        float32 [H, W] depth (with `save_npy`),
  `<name>_depth_color.png`  disparity through a magma-like colour map (with `save_color`),
and with `pose` (a checkpoint, or a SavedModel with a `pose` signature) `trajectory.kitti.txt` / `trajectory.tum.txt` of the chained
relative poses, the first frame at the origin, TUM timestamps = frame numbers.
Depth is in the network's units: a monocular model knows depth only up to one global scale.
With `camera_height` (metres) and the frames' intrinsics, each frame's depth is scaled to metres
by its own ground plane (`camera_height.py`), and `scales.json` lists every frame's scale and
ground pixels; a frame whose ground is not visible gets no depth files, a line on stderr and its
reason in `scales.json`, rather than a wrong number.
"""

import json
import os
import sys
from typing import Iterator, Optional, Union

import numpy as np

from sfmlearner_tf import atomic_write, trajectories
from sfmlearner_tf.geometry import resize_intrinsics
from sfmlearner_tf.inference import image_io, pose_predict, video
from sfmlearner_tf.inference.camera_height import ground_scale
from sfmlearner_tf.inference.predict import DepthModel, batched, load_depth_model
from sfmlearner_tf.progress_bar import ProgressBar


def open_input(path: str) -> tuple[Optional[int], Iterator[tuple[str, np.ndarray]]]:
    """(frame count or None, iterator of (name, uint8 [H, W, 3])) for an image, folder or video."""
    if os.path.isdir(path):
        paths = image_io.list_images(path)
        frames = ((os.path.splitext(os.path.basename(p))[0], image_io.read_rgb(p)) for p in paths)
        return len(paths), frames
    if not os.path.isfile(path):
        raise FileNotFoundError(f"input {path} not found")
    extension = os.path.splitext(path)[1].lower()
    if extension in video.VIDEO_EXTENSIONS:
        _, _, count = video.probe_video(path)
        frames = ((f"frame_{i:06d}", frame) for i, frame in enumerate(video.read_video_frames(path)))
        return count or None, frames
    name = os.path.splitext(os.path.basename(path))[0]
    return 1, iter([(name, image_io.read_rgb(path))])


def run_inference(
    model: Union[str, DepthModel],
    input_path: str,
    output_dir: str,
    batch_size: int = 8,
    depth_png_scale: float = 256.0,
    save_png: bool = True,
    save_npy: bool = False,
    save_color: bool = True,
    pose: bool = False,
    camera_height: float = 0.0,
    intrinsics: Optional[np.ndarray] = None,
    show_progress: bool = True,
) -> dict:
    """Writes the outputs described in the module docstring; returns {"num_frames", "output_dir",
    "trajectory", "metric"} ("metric": None, or {"scaled", "no_ground"} frame counts).

    `model` is a run directory, checkpoint prefix or SavedModel directory, or a loaded DepthModel.
    `camera_height` (metres, 0: off) needs `intrinsics`, float [3, 3] K of the input frames' size.
    """
    if depth_png_scale <= 0:
        raise ValueError(f"depth_png_scale must be > 0, got {depth_png_scale}")
    if camera_height < 0:
        raise ValueError(f"camera_height must be >= 0 metres, got {camera_height}")
    if camera_height and intrinsics is None:
        raise ValueError("camera_height needs the frames' intrinsics (fx fy cx cy, or a 3x3 K, at the frames' size)")
    # The input is checked first: a bad input fails fast, before the networks are built.
    total, frames = open_input(input_path)
    model_name = model if isinstance(model, str) else "the model"
    model = load_depth_model(model) if isinstance(model, str) else model
    if pose and model.pose_fn is None:
        raise ValueError(f"--pose needs a pose network: {model_name!r} has neither a checkpoint's nor a 'pose' signature")
    os.makedirs(output_dir, exist_ok=True)
    progress = ProgressBar(total, "infer") if show_progress else None
    resized_frames = []
    scales = {}
    count = 0
    for batch in batched(frames, batch_size):
        resized = np.stack([image_io.resize_bilinear(image, model.height, model.width) for _, image in batch])
        if pose:
            resized_frames.extend(resized)
        for (name, image), depth in zip(batch, model.predict(resized)):
            count += 1
            if progress:
                progress.update()
            if camera_height:
                scale = _metric_scale(depth, intrinsics, image.shape, camera_height)
                scales[name] = scale
                if "reason" in scale:
                    sys.stderr.write(f"{name}: {scale['reason']}; no depth written\n")
                    continue
                depth = depth * np.float32(scale["scale"])
            depth = image_io.resize_bilinear(depth, image.shape[0], image.shape[1])
            stem = os.path.join(output_dir, name)
            if save_png:
                image_io.write_depth_png(stem + "_depth.png", depth, depth_png_scale)
            if save_npy:
                image_io.write_npy(stem + "_depth.npy", depth)
            if save_color:
                image_io.write_color_png(stem + "_depth_color.png", image_io.colorize_depth(depth))
    if progress:
        progress.close()
    if count == 0:
        raise ValueError(f"input {input_path} holds no frame")
    metric = None
    if camera_height:
        atomic_write.write_text(os.path.join(output_dir, "scales.json"), json.dumps(
            {"camera_height": camera_height, "frames": scales}, indent=2, sort_keys=True))
        no_ground = sum("reason" in scale for scale in scales.values())
        metric = {"scaled": count - no_ground, "no_ground": no_ground}
    trajectory = None
    if pose:
        trajectory = _write_trajectory(model, np.stack(resized_frames), output_dir, batch_size)
    return {"num_frames": count, "output_dir": output_dir, "trajectory": trajectory, "metric": metric}


def _metric_scale(depth: np.ndarray, intrinsics: np.ndarray, frame_shape: tuple, camera_height: float) -> dict:
    """{"scale", "ground_pixels"} or {"reason", "ground_pixels"} of a network-size depth map."""
    height, width = depth.shape
    network_intrinsics = resize_intrinsics(intrinsics, width / frame_shape[1], height / frame_shape[0]).numpy()
    found = ground_scale(depth, network_intrinsics, camera_height)
    if found.scale is None:
        return {"reason": found.reason, "ground_pixels": found.ground_pixels}
    return {"scale": found.scale, "ground_pixels": found.ground_pixels}


def _write_trajectory(model, frames: np.ndarray, output_dir: str, batch_size: int) -> dict:
    """Chains the consecutive motions of overlapping snippets over the whole input."""
    seq_length = model.seq_length
    if len(frames) < seq_length:
        raise ValueError(f"--pose needs at least {seq_length} frames (the model's snippet), got {len(frames)}")
    vectors = pose_predict.predict_snippet_vectors(model.pose_fn, frames, seq_length, batch_size)
    trajectory = trajectories.chain_relative_poses(pose_predict.consecutive_motions(vectors, seq_length))
    return pose_predict.write_trajectory(output_dir, "trajectory", trajectory)

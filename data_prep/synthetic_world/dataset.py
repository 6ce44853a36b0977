"""Writes synthetic sequences to disk in the layout the readers expect.

```
D/world.json                  generator, version, seed, height, width, fps, intrinsics,
                              num_sequences, frames_per_sequence, moving_objects, sequence_seeds
D/seq_000/image/000000.png    uint8 RGB
D/seq_000/depth/000000.npy    float32 [H, W] z-depth, metres (exact)
D/seq_000/poses.txt           one row per frame: camera-to-world 3×4, row-major (KITTI style)
D/seq_000/intrinsics.txt      3×3 K
```

Each sequence is written under a temporary name and renamed when complete, so a crash never
leaves a half-written `seq_NNN`; `world.json` is written last and marks a complete dataset.
"""

import json
import multiprocessing
import os
import shutil
import time
from typing import Callable

import numpy as np
from PIL import Image

from data_prep.synthetic_world.render import FPS, render_sequence
from data_prep.synthetic_world.raycast import kitti_like_intrinsics
from sfmlearner_tf import atomic_write

GENERATOR = "data_prep.synthetic"
VERSION = 1
WORLD_FILE = "world.json"


def sequence_name(index: int) -> str:
    return f"seq_{index:03d}"


def sequence_seed(seed: int, index: int) -> int:
    """The seed of sequence `index` of a dataset made with `seed` (independent streams)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def write_sequence(path: str, sequence: dict) -> None:
    """Writes one `render_sequence` result to the folder `path` (created; must not exist)."""
    os.makedirs(os.path.join(path, "image"))
    os.makedirs(os.path.join(path, "depth"))
    for i, (image, depth) in enumerate(zip(sequence["images"], sequence["depths"])):
        Image.fromarray(image).save(os.path.join(path, "image", f"{i:06d}.png"))
        np.save(os.path.join(path, "depth", f"{i:06d}.npy"), depth.astype(np.float32))
    np.savetxt(os.path.join(path, "poses.txt"), sequence["poses"][:, :3, :].reshape(-1, 12), fmt="%.12e")
    np.savetxt(os.path.join(path, "intrinsics.txt"), sequence["intrinsics"], fmt="%.12e")


def read_sequence(path: str) -> dict:
    """Reads a sequence folder back: the dict of `render_sequence` (poses as [N, 4, 4])."""
    names = sorted(os.listdir(os.path.join(path, "image")))
    if not names:
        raise FileNotFoundError(f"no images in {os.path.join(path, 'image')}")
    images = np.stack([np.asarray(Image.open(os.path.join(path, "image", n)).convert("RGB")) for n in names])
    depths = np.stack([np.load(os.path.join(path, "depth", n[:-4] + ".npy")) for n in names])
    rows = np.loadtxt(os.path.join(path, "poses.txt"), ndmin=2)
    if rows.shape != (len(names), 12):
        raise ValueError(f"{path}/poses.txt has shape {rows.shape}, expected ({len(names)}, 12)")
    poses = np.tile(np.eye(4), (len(names), 1, 1))
    poses[:, :3, :] = rows.reshape(-1, 3, 4)
    intrinsics = np.loadtxt(os.path.join(path, "intrinsics.txt"))
    return dict(images=images, depths=depths, poses=poses, intrinsics=intrinsics)


def _existing_outputs(output_dir: str) -> list[str]:
    return sorted(
        name for name in os.listdir(output_dir) if name == WORLD_FILE or name.startswith(("seq_", ".seq_"))
    )


def _render_and_write(job) -> tuple[int, float]:
    """Renders sequence `index` into a temporary folder, then renames it; (index, seconds)."""
    output_dir, index, seed, num_frames, height, width, moving_objects = job
    start = time.monotonic()
    sequence = render_sequence(sequence_seed(seed, index), num_frames, height, width, moving_objects)
    final = os.path.join(output_dir, sequence_name(index))
    temporary = os.path.join(output_dir, f".{sequence_name(index)}.partial")
    shutil.rmtree(temporary, ignore_errors=True)
    write_sequence(temporary, sequence)
    os.rename(temporary, final)
    return index, time.monotonic() - start


def generate_dataset(
    output_dir: str,
    num_sequences: int,
    frames_per_sequence: int,
    height: int = 128,
    width: int = 416,
    seed: int = 0,
    moving_objects: bool = False,
    overwrite: bool = False,
    num_workers: int = 1,
    log: Callable[[str], None] = print,
) -> dict:
    """Renders and writes `num_sequences` sequences; returns the `world.json` content.

    Refuses (FileExistsError) when `output_dir` already holds a dataset (world.json or seq_*),
    unless `overwrite`, which removes those entries (and nothing else) first.
    """
    counts = dict(num_sequences=num_sequences, frames_per_sequence=frames_per_sequence, height=height,
                  width=width, num_workers=num_workers)
    for name, value in counts.items():
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    os.makedirs(output_dir, exist_ok=True)
    existing = _existing_outputs(output_dir)
    if existing and not overwrite:
        raise FileExistsError(
            f"{output_dir!r} already holds a synthetic dataset ({', '.join(existing[:3])}...); "
            "pass --overwrite to replace it"
        )
    for name in existing:
        path = os.path.join(output_dir, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.remove(path)

    jobs = [
        (output_dir, index, seed, frames_per_sequence, height, width, moving_objects)
        for index in range(num_sequences)
    ]
    start = time.monotonic()

    def report(results):
        for done, (index, seconds) in enumerate(results, 1):
            log(
                f"{sequence_name(index)}: {frames_per_sequence} frames in {seconds:.1f} s "
                f"({frames_per_sequence / seconds:.1f} frames/s) [{done}/{num_sequences}, "
                f"{time.monotonic() - start:.0f} s]"
            )

    if num_workers == 1:
        report(map(_render_and_write, jobs))
    else:
        # Leaving the block terminates the workers, also when a sequence fails.
        with multiprocessing.Pool(min(num_workers, num_sequences)) as pool:
            report(pool.imap_unordered(_render_and_write, jobs))

    world = dict(
        generator=GENERATOR,
        version=VERSION,
        seed=seed,
        height=height,
        width=width,
        fps=FPS,
        intrinsics=kitti_like_intrinsics(height, width).tolist(),
        num_sequences=num_sequences,
        frames_per_sequence=frames_per_sequence,
        moving_objects=moving_objects,
        sequence_seeds=[sequence_seed(seed, i) for i in range(num_sequences)],
    )
    atomic_write.write_text(os.path.join(output_dir, WORLD_FILE), json.dumps(world, indent=2))
    return world

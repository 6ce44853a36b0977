"""A procedural town rendered by exact ray casting, with exact depth and camera poses.

`render_sequence(seed, num_frames, height, width, moving_objects)` is the whole story; the
modules hold its parts: `route` (streets and the centre line), `trajectory` (the car-like
camera path), `scene` (the boxes of the town), `materials`/`textures`/`noise` (procedural,
mip-mapped textures), `raycast` (ray-box intersection, intrinsics), `render` (shading, frames)
and `dataset` (the folder layout on disk).
"""

from data_prep.synthetic_world.raycast import kitti_like_intrinsics
from data_prep.synthetic_world.render import FPS, build_world, render_frame, render_sequence

__all__ = ["FPS", "build_world", "kitti_like_intrinsics", "render_frame", "render_sequence"]

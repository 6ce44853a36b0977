"""Exact, vectorized ray casting of axis-aligned boxes inside a closed room.

One ray per pixel, through the pixel centre: d_cam = K⁻¹ [u, v, 1]ᵀ, whose camera-frame z is 1,
so the ray parameter t of a hit point o + t·d_world *is* its z-depth. The nearest hit wins. Each
box is tested only on the pixels of its screen-space bounding rectangle (its corners, clipped to
the near plane, projected), so the cost grows with the boxes' screen area, not their number.
"""

import dataclasses

import numpy as np

NEAR = 0.05
# Boxes covering at most this many pixels of bounding rectangle are tested in one batch.
SMALL_AREA = 1500
# KITTI's left colour camera: fx ≈ 721.5 px at 1242 px width, i.e. fx ≈ 0.581·W.
FOCAL_PER_WIDTH = 0.58


def kitti_like_intrinsics(height: int, width: int) -> np.ndarray:
    """float64 [3, 3]: fx = fy = 0.58·W (square pixels), principal point at the image centre.

    At 128×416: fx = fy = 241.28, cx = 207.5, cy = 63.5 (pixel centres at integers).
    """
    if height < 1 or width < 1:
        raise ValueError(f"height and width must be positive, got {height}x{width}")
    focal = FOCAL_PER_WIDTH * width
    return np.array([[focal, 0.0, (width - 1) / 2.0], [0.0, focal, (height - 1) / 2.0], [0.0, 0.0, 1.0]])


def camera_rays(intrinsics: np.ndarray, height: int, width: int) -> np.ndarray:
    """float32 [3, H, W]: K⁻¹ [u, v, 1]ᵀ per pixel (camera frame, z component 1)."""
    u = (np.arange(width) - intrinsics[0, 2]) / intrinsics[0, 0]
    v = (np.arange(height) - intrinsics[1, 2]) / intrinsics[1, 1]
    rays = np.ones((3, height, width), np.float32)
    rays[0] = u[None, :]
    rays[1] = v[:, None]
    return rays


@dataclasses.dataclass
class Hits:
    """Per-pixel nearest hits, all [H, W].

    depth: float32, the ray parameter t = z-depth in metres.
    prim: int64, box index, or num_boxes + (GROUND, SKY, FAR) for the room's faces.
    axis: int8, the axis (0 x, 1 y, 2 z) normal to the face hit.
    directions: float32 [3, H, W], world-frame ray directions.
    """

    depth: np.ndarray
    prim: np.ndarray
    axis: np.ndarray
    directions: np.ndarray


def _safe_inverse(d: np.ndarray) -> np.ndarray:
    tiny = np.float32(1e-12)
    return 1.0 / np.where(np.abs(d) < tiny, np.where(d < 0, -tiny, tiny), d)


def screen_rectangles(lo, hi, origin, rotation, intrinsics, height, width):
    """Pixel rectangles that contain every box's projection.

    Args:
      lo, hi: float64 [N, 3] box corners, world frame.
      origin: float64 [3] camera centre; rotation: float64 [3, 3] camera→world.
    Returns:
      rect: int64 [N, 4] (u0, u1, v0, v1), half-open, clipped to the image; empty where not
        visible.
      nearest: float64 [N], the smallest z-depth of any point of the box in front of the camera.
    """
    corner_bits = np.array([[i & 1, (i >> 1) & 1, (i >> 2) & 1] for i in range(8)], bool)
    corners = np.where(corner_bits[None], hi[:, None, :], lo[:, None, :])
    # World → camera: X_c = Rᵀ (X_w − o), written as a row-vector product.
    cam = (corners - origin) @ rotation
    # The 12 box edges join corners that differ in one bit; where an edge crosses the near
    # plane, its crossing point joins the candidate points so that clipped boxes stay covered.
    a_idx, b_idx = zip(*[(i, i | bit) for i in range(8) for bit in (1, 2, 4) if not i & bit])
    a, b = cam[:, a_idx], cam[:, b_idx]
    za, zb = a[..., 2:], b[..., 2:]
    crosses = (za < NEAR) != (zb < NEAR)
    frac = np.where(crosses, (NEAR - za) / np.where(crosses, zb - za, 1.0), 0.0)
    points = np.concatenate([cam, a + frac * (b - a)], axis=1)
    keep = np.concatenate([cam[..., 2] >= NEAR, crosses[..., 0]], axis=1)
    z = np.maximum(points[..., 2], NEAR)
    u = intrinsics[0, 0] * points[..., 0] / z + intrinsics[0, 2]
    v = intrinsics[1, 1] * points[..., 1] / z + intrinsics[1, 2]
    u_min = np.where(keep, u, np.inf).min(axis=1)
    u_max = np.where(keep, u, -np.inf).max(axis=1)
    v_min = np.where(keep, v, np.inf).min(axis=1)
    v_max = np.where(keep, v, -np.inf).max(axis=1)
    visible = keep.any(axis=1)
    nearest = np.where(keep, points[..., 2], np.inf).min(axis=1)
    # Pixel centres at integers: the covered columns are ceil(u_min) … floor(u_max).
    with np.errstate(invalid="ignore"):
        rect = np.stack([
            np.clip(np.ceil(np.where(visible, u_min, 0.0)), 0, width),
            np.clip(np.floor(np.where(visible, u_max, -1.0)) + 1, 0, width),
            np.clip(np.ceil(np.where(visible, v_min, 0.0)), 0, height),
            np.clip(np.floor(np.where(visible, v_max, -1.0)) + 1, 0, height),
        ], axis=1).astype(np.int64)
    return rect, nearest


def _slab(lo_rel, hi_rel, inv):
    """Ray/box slab test: the ray is inside the box for t in [t_in, t_out].

    lo_rel, hi_rel: box corners minus the ray origin, per axis (scalars or arrays broadcasting
    with `inv`, float32 [3, ...] inverse directions). Returns (t_in, t_out, face axis int8).
    """
    entry, leave = [], []
    for k in range(3):
        t_lo = lo_rel[k] * inv[k]
        t_hi = hi_rel[k] * inv[k]
        entry.append(np.minimum(t_lo, t_hi))
        leave.append(np.maximum(t_lo, t_hi))
    t_in = np.maximum(np.maximum(entry[0], entry[1]), entry[2])
    t_out = np.minimum(np.minimum(leave[0], leave[1]), leave[2])
    face = np.where(t_in == entry[0], 0, np.where(t_in == entry[1], 1, 2)).astype(np.int8)
    return t_in, t_out, face


def cast(lo, hi, room_lo, room_hi, origin, rotation, rays, intrinsics) -> Hits:
    """Nearest hit of every pixel's ray.

    Args:
      lo, hi: float64 [N, 3], boxes (world frame, metres); the camera must be outside all of them.
      room_lo, room_hi: float64 [3], the enclosing room; the camera must be inside it.
      origin: float64 [3], camera centre; rotation: float64 [3, 3], camera→world.
      rays: float32 [3, H, W] from `camera_rays`; intrinsics: float64 [3, 3].
    """
    _, height, width = rays.shape
    d = np.einsum("ij,jhw->ihw", rotation.astype(np.float32), rays)
    inv = _safe_inverse(d)

    # Leaving the room: on each axis the face ahead of the ray; the nearest of the three wins.
    exits = [
        np.where(d[k] > 0, np.float32(room_hi[k] - origin[k]), np.float32(room_lo[k] - origin[k])) * inv[k]
        for k in range(3)
    ]
    depth = np.minimum(np.minimum(exits[0], exits[1]), exits[2])
    axis = np.where(depth == exits[0], 0, np.where(depth == exits[1], 1, 2)).astype(np.int8)
    num_boxes = lo.shape[0]
    room_prim = np.where(axis == 1, np.where(d[1] > 0, 0, 1), 2)
    prim = num_boxes + room_prim

    rects, nearest = screen_rectangles(lo, hi, origin, rotation, intrinsics, height, width)
    lo_rel = (lo - origin).astype(np.float32)
    hi_rel = (hi - origin).astype(np.float32)
    areas = np.maximum(rects[:, 1] - rects[:, 0], 0) * np.maximum(rects[:, 3] - rects[:, 2], 0)
    large = np.flatnonzero(areas > SMALL_AREA)
    # Large boxes one by one, front to back, so that those hidden behind nearer ones are
    # skipped by the depth test of their rectangle.
    for n in large[np.argsort(nearest[large])]:
        u0, u1, v0, v1 = rects[n]
        window = (slice(v0, v1), slice(u0, u1))
        best = depth[window]
        if best.max() <= nearest[n]:
            continue
        t_in, t_out, face = _slab(lo_rel[n], hi_rel[n], inv[:, v0:v1, u0:u1])
        hit = (t_in <= t_out) & (t_in > 0) & (t_in < best)
        best[hit] = t_in[hit]
        prim[window][hit] = n
        axis[window][hit] = face[hit]
    small = np.flatnonzero((areas > 0) & (areas <= SMALL_AREA))
    if small.size:
        _cast_small(small, rects, areas, nearest, lo_rel, hi_rel, inv, depth, prim, axis)
    return Hits(depth=depth, prim=prim, axis=axis, directions=d)


def _cast_small(boxes, rects, areas, nearest, lo_rel, hi_rel, inv, depth, prim, axis):
    """Tests all (pixel, box) pairs of small boxes' rectangles at once; updates the buffers.

    Per-box numpy calls would cost more than the arithmetic for boxes of a few pixels, so the
    pairs are enumerated in one flat array and the nearest hit per pixel is kept.
    """
    width = depth.shape[1]
    counts = areas[boxes]
    box = np.repeat(boxes, counts)
    local = np.arange(box.size) - np.repeat(np.cumsum(counts) - counts, counts)
    u0, u1, v0 = rects[box, 0], rects[box, 1], rects[box, 2]
    pixel = (v0 + local // (u1 - u0)) * width + u0 + local % (u1 - u0)
    flat_depth, flat_prim, flat_axis = depth.reshape(-1), prim.reshape(-1), axis.reshape(-1)
    unoccluded = flat_depth[pixel] > nearest[box]
    box, pixel = box[unoccluded], pixel[unoccluded]
    t_in, t_out, face = _slab(lo_rel[box].T, hi_rel[box].T, inv.reshape(3, -1)[:, pixel])
    hit = (t_in <= t_out) & (t_in > 0) & (t_in < flat_depth[pixel])
    box, pixel, t_in, face = box[hit], pixel[hit], t_in[hit], face[hit]
    # Several boxes may hit one pixel: keep the smallest t per pixel (sort by pixel, then t).
    order = np.lexsort((t_in, pixel))
    first = np.ones(order.size, bool)
    first[1:] = pixel[order][1:] != pixel[order][:-1]
    chosen = order[first]
    flat_depth[pixel[chosen]] = t_in[chosen]
    flat_prim[pixel[chosen]] = box[chosen]
    flat_axis[pixel[chosen]] = face[chosen]

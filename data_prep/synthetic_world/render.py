"""Sequences of the street world: RGB, exact z-depth and exact camera-to-world poses.

Shading is view-independent (texture × tint × a mild Lambertian term of a fixed sun direction),
so a surface point has the same colour in every frame — the photometric-consistency assumption
of view synthesis holds exactly, up to occlusions and resampling.
"""

import dataclasses

import numpy as np

from data_prep.synthetic_world import materials, raycast, scene as scene_lib, textures, trajectory

FPS = 10.0
AMBIENT = 0.7
# Exponent of the foreshortening term in the mip footprint: 1 is the isotropic (blur-safe)
# choice; below 1 keeps more detail on grazing surfaces at the price of some aliasing.
FORESHORTENING = 0.8
# Edge lines: 0.15 m wide, centred 0.275 m inside the curb.
EDGE_LINE_INSET = 0.275
EDGE_LINE_HALF_WIDTH = 0.075


@dataclasses.dataclass(frozen=True)
class World:
    """Everything needed to render any frame of one sequence.

    poses: float64 [N, 4, 4], camera→world; intrinsics: float64 [3, 3]; rays: float32 [3, H, W].
    log2_ray_term: float32 [H·W], (1 + κ)·log2|ray| − log2 fx, the per-pixel constant of the
      mip footprint (κ = FORESHORTENING).
    """

    scene: scene_lib.Scene
    atlas: textures.TextureAtlas
    poses: np.ndarray
    intrinsics: np.ndarray
    rays: np.ndarray
    log2_ray_term: np.ndarray

    @property
    def num_frames(self) -> int:
        return self.poses.shape[0]


def build_world(
    seed: int, num_frames: int, height: int = 128, width: int = 416, moving_objects: bool = False
) -> World:
    """Textures, trajectory and scene of the sequence `seed` (independent random streams)."""
    if num_frames < 1:
        raise ValueError(f"num_frames must be >= 1, got {num_frames}")
    texture_seed, path_seed, scene_seed = np.random.SeedSequence(seed).spawn(3)
    poses, route = trajectory.generate_trajectory(np.random.default_rng(path_seed), num_frames, FPS)
    scene = scene_lib.generate_scene(np.random.default_rng(scene_seed), route, poses, FPS, moving_objects)
    intrinsics = raycast.kitti_like_intrinsics(height, width)
    rays = raycast.camera_rays(intrinsics, height, width)
    log2_ray = 0.5 * np.log2(np.sum(rays.reshape(3, -1) ** 2, axis=0))
    return World(
        scene=scene,
        atlas=textures.build_atlas(np.random.default_rng(texture_seed)),
        poses=poses,
        intrinsics=intrinsics,
        rays=rays,
        log2_ray_term=((1.0 + FORESHORTENING) * log2_ray - np.log2(intrinsics[0, 0])).astype(np.float32),
    )


def _paint_ground(x, z, streets):
    """Material, texture coordinates and edge-line distance of ground points.

    x, z: float32 [G], world coordinates. Inside a street's road the material is road, with
    u across (its centre line at u = 0) and v along it; elsewhere the verge, in world
    coordinates. Returns (material int [G], u, v, distance float32 [G] from the middle of the
    road's nearest edge line, inf off roads and where roads cross).
    """
    index = materials.INDEX
    material = np.full(x.shape, index["verge"])
    u, v = x.copy(), z.copy()
    distance = np.full(x.shape, np.inf, np.float32)
    roads = []
    for street in streets:
        across, along = (x, z) if street.axis == 2 else (z, x)
        offset = across - street.centre
        roads.append((np.abs(offset) < street.road_half) & (along > street.start) & (along < street.end))
    crossing = np.sum(roads, axis=0) > 1
    claimed = np.zeros(x.shape, bool)
    for street, road in zip(streets, roads):
        across, along = (x, z) if street.axis == 2 else (z, x)
        road &= ~claimed
        claimed |= road
        material[road] = index["road"]
        u[road] = (across - street.centre)[road]
        v[road] = along[road]
        lined = road & ~crossing
        distance[lined] = np.abs(np.abs(u[lined]) - (street.road_half - EDGE_LINE_INSET))
    return material, u, v, distance


def _line_coverage(distance, footprint):
    """Fraction of a pixel footprint (metres, float32 [G]) centred `distance` metres from the
    middle of an edge line that the line covers: a box-filtered line, so it does not alias."""
    half = EDGE_LINE_HALF_WIDTH
    overlap = np.minimum(distance + 0.5 * footprint, half) - np.maximum(distance - 0.5 * footprint, -half)
    return np.clip(overlap / footprint, 0.0, 1.0)


def _face_shading(light: np.ndarray) -> np.ndarray:
    """float32 [6]: Lambertian factor of the face hit along axis k by a ray with d_k < 0 (entry
    2k) or d_k > 0 (entry 2k+1); the face normal points back against the ray."""
    normal_dot_light = np.stack([light, -light], axis=1).reshape(-1)
    return (AMBIENT + (1.0 - AMBIENT) * np.maximum(normal_dot_light, 0.0)).astype(np.float32)


def render_frame(world: World, index: int):
    """(image uint8 [H, W, 3] RGB, depth float32 [H, W] z-depth in metres) of frame `index`."""
    scene, pose = world.scene, world.poses[index]
    lo, hi = scene.boxes_at(index / FPS)
    origin = pose[:3, 3]
    hits = raycast.cast(
        lo, hi, scene.room_lo, scene.room_hi, origin, pose[:3, :3], world.rays, world.intrinsics
    )
    _, height, width = world.rays.shape
    depth = hits.depth.reshape(-1)
    prim = hits.prim.reshape(-1)
    axis = hits.axis.reshape(-1).astype(np.int32)
    d = hits.directions.reshape(3, -1)
    p = [float(origin[k]) + depth * d[k] for k in range(3)]

    # Per primitive: the corner (lo_x, hi_y, lo_z) that surface coordinates start from (so
    # textures move with moving boxes and façades start at the ground; the room's faces use
    # world coordinates), the texture offset and the tint, gathered in one go.
    table = np.zeros((scene.num_boxes + scene_lib.NUM_ROOM_PRIMS, 8), np.float32)
    table[: scene.num_boxes, :3] = np.stack([lo[:, 0], hi[:, 1], lo[:, 2]], axis=1)
    table[:, 3:5] = scene.uv_offset
    table[:, 5:] = scene.tint
    per_pixel = np.take(table, prim, axis=0)
    # u runs along the face, v up it (along z on horizontal faces).
    along_z = p[2] - per_pixel[:, 2]
    u = np.where(axis == 0, along_z, p[0] - per_pixel[:, 0]) + per_pixel[:, 3]
    v = np.where(axis == 1, along_z, per_pixel[:, 1] - p[1]) + per_pixel[:, 4]
    material = scene.face_material.reshape(-1)[prim * 3 + axis]
    ground = prim == scene.num_boxes + scene_lib.GROUND
    painted = _paint_ground(p[0][ground], p[2][ground], scene.streets)
    material[ground], u[ground], v[ground], line_distance = painted

    # Pixel footprint on the surface: |d|·depth / f across the ray (|d| = ray length per metre
    # of z-depth, the same in camera and world frame), stretched by (|d| / |d_axis|)^κ, a part
    # of the 1 / cos(incidence) elongation along the slope.
    d_axis = np.choose(axis, d)
    log2_footprint = (
        np.log2(depth) + world.log2_ray_term - FORESHORTENING * np.log2(np.maximum(np.abs(d_axis), 1e-6))
    )
    colour = world.atlas.sample(material, u, v, log2_footprint)
    # Edge lines are painted over the road with their pixel coverage (box-filtered, no aliasing).
    coverage = _line_coverage(line_distance, np.exp2(log2_footprint[ground]))
    paint = world.atlas.mean_colour(materials.INDEX["marking"])
    colour[ground] += (paint - colour[ground]) * coverage[:, None]

    lit = prim < scene.num_boxes + scene_lib.SKY
    shading = np.where(lit, _face_shading(scene.light)[2 * axis + (d_axis > 0)], 1.0)
    colour = colour[:, :3] * (per_pixel[:, 5:] * shading[:, None])
    image = np.clip(colour * 255.0 + 0.5, 0.0, 255.0).astype(np.uint8).reshape(height, width, 3)
    return image, hits.depth


def render_sequence(
    seed: int, num_frames: int, height: int = 128, width: int = 416, moving_objects: bool = False
) -> dict:
    """Renders one sequence.

    Returns dict(images uint8 [N, H, W, 3], depths float32 [N, H, W] z-depth in metres,
    poses float64 [N, 4, 4] camera→world, intrinsics float64 [3, 3]).
    """
    world = build_world(seed, num_frames, height, width, moving_objects)
    images = np.empty((num_frames, height, width, 3), np.uint8)
    depths = np.empty((num_frames, height, width), np.float32)
    for i in range(num_frames):
        images[i], depths[i] = render_frame(world, i)
    return dict(images=images, depths=depths, poses=world.poses.copy(), intrinsics=world.intrinsics.copy())

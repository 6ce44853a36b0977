"""A procedural town along the route: roads, sidewalks, two rows of buildings per side,
poles, trees, parked cars, crates, optional moving cars, inside a closed "room" of sky and
distant skyline.

World frame: x right, y down, z forward at the start (the camera convention, so the first
camera has a near-identity rotation); the ground is the plane y = 0, so heights are negative y.
Every solid is an axis-aligned box (the streets are axis-aligned); the room is a box seen from
inside whose floor is the ground, whose ceiling (y = -80 m) is the sky and whose walls carry the
skyline, 250 m beyond every street, so every ray hits something at a finite depth.
"""

import dataclasses

import numpy as np

from data_prep.synthetic_world import materials
from data_prep.synthetic_world.route import Route, Street, overlaps

M = materials.INDEX

# Pseudo-primitives after the boxes: the faces of the enclosing room.
GROUND, SKY, FAR = 0, 1, 2
NUM_ROOM_PRIMS = 3
SKY_HEIGHT = 80.0
ROOM_MARGIN = 250.0
# Moving cars drive in the left lane, centred this far right (i.e. left) of the centre line.
MOVING_LANE = -2.2
# Street furniture and parked cars keep this far from other streets (intersections stay clear).
CLEARANCE = 6.0


@dataclasses.dataclass(frozen=True)
class Scene:
    """Boxes and surface parameters, world frame, metres.

    lo, hi: float64 [N, 3], box corners at time 0 (lo < hi on every axis).
    velocity: float64 [N, 3], m/s (zero for static boxes).
    face_material: int64 [N + 3, 3], material index of the faces normal to x, y, z; rows N,
      N+1, N+2 are the room's ground, sky and far walls.
    uv_offset: float32 [N + 3, 2], metres added to the surface coordinates (texture variety).
    tint: float32 [N + 3, 3], colour multiplier.
    room_lo, room_hi: float64 [3], the enclosing room (room_hi[1] = 0 is the ground).
    streets: the `route.Street`s, whose roads are painted on the ground.
    light: float32 [3], unit direction towards the sun (Lambertian face shading).
    """

    lo: np.ndarray
    hi: np.ndarray
    velocity: np.ndarray
    face_material: np.ndarray
    uv_offset: np.ndarray
    tint: np.ndarray
    room_lo: np.ndarray
    room_hi: np.ndarray
    streets: tuple
    light: np.ndarray

    @property
    def num_boxes(self) -> int:
        return self.lo.shape[0]

    def boxes_at(self, time: float):
        """Box corners (lo, hi), float64 [N, 3] each, at `time` seconds."""
        shift = self.velocity * time
        return self.lo + shift, self.hi + shift


class _Builder:
    """Collects boxes given in the local frame of one street: `across` (metres right of its
    centre line, for the direction of travel), height (negative y) and `along` its axis."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.rows = []

    def add(self, street: Street, across, y, along, material, keep_clear=(), tint=None, speed=0.0):
        """Adds a box unless its footprint overlaps a rectangle of `keep_clear`; True if added."""
        x, z = street.to_world(across, along)
        uv_offset = self.rng.uniform(0.0, 64.0, 2)
        if tint is None:
            tint = self.rng.uniform(0.85, 1.15, 3)
        if any(overlaps(rect, x, z) for rect in keep_clear):
            return False
        if np.isscalar(material):
            material = (material, material, material)
        velocity = [0.0, 0.0, 0.0]
        velocity[street.axis] = speed
        lo, hi = [min(x), min(y), min(z)], [max(x), max(y), max(z)]
        self.rows.append((lo, hi, velocity, material, uv_offset, tint))
        return True


def _buildings(b, street, sign, inner, width, depth, height, gap_prob, gap, keep_clear):
    """A row of buildings on one side (sign ±1), from `inner` metres off the centre line (plus
    a 0-3 m setback) outwards; `width` (along the street), `depth` and `height` are (low, high)
    ranges in metres; gaps of length `gap`."""
    along = street.start - b.rng.uniform(0.0, 10.0)
    while along < street.end:
        if b.rng.random() < gap_prob:
            along += b.rng.uniform(*gap)
            continue
        w = b.rng.uniform(*width)
        setback = inner + b.rng.uniform(0.0, 3.0)
        outer = setback + b.rng.uniform(*depth)
        b.add(street, (sign * setback, sign * outer), (0.0, -b.rng.uniform(*height)), (along, along + w),
              int(b.rng.choice(materials.FACADES)), keep_clear)
        along += w + b.rng.uniform(0.0, 1.0)


def _sidewalk(b, street, sign, crossings):
    """The raised sidewalk of one side, cut where other streets' roads cross."""
    pieces = [(street.start, street.end)]
    for low, high in crossings:
        cut = [((a, min(c, low)), (max(a, high), c)) for a, c in pieces]
        pieces = [part for pair in cut for part in pair if part[1] > part[0]]
    across = (sign * street.road_half, sign * (street.road_half + street.walk))
    for piece in pieces:
        b.add(street, across, (0.0, -0.15), piece, M["sidewalk"])


def _poles(b, street, sign, keep_clear):
    """Poles at the curb, some carrying a sign facing the traffic."""
    x = street.road_half + 0.35
    along = street.start + b.rng.uniform(0.0, 10.0)
    while along < street.end:
        size, height = b.rng.uniform(0.16, 0.26), b.rng.uniform(4.0, 8.0)
        added = b.add(street, (sign * x, sign * (x + size)), (0.0, -height), (along, along + size), M["pole"],
                      keep_clear)
        if added and b.rng.random() < 0.4:
            top = b.rng.uniform(2.2, 3.2)
            b.add(street, (sign * (x - 0.3), sign * (x + 0.5)), (-top, -top - 0.7), (along - 0.06, along),
                  M["pole"], keep_clear, tint=b.rng.uniform(0.3, 1.3, 3))
        along += b.rng.uniform(10.0, 25.0)


def _trees_and_crates(b, street, sign, keep_clear):
    """Trees (trunk and canopy) and crates on the sidewalk."""
    rng, curb, walk = b.rng, street.road_half, street.walk
    along = street.start + rng.uniform(0.0, 8.0)
    while along < street.end:
        if rng.random() < 0.6:
            x = curb + walk * rng.uniform(0.5, 0.8)
            canopy, base = rng.uniform(2.0, 4.0), rng.uniform(2.4, 3.2)
            trunk = b.add(street, (sign * x, sign * (x + 0.3)), (0.0, -base - 0.5), (along, along + 0.3),
                          M["bark"], keep_clear)
            if trunk:
                middle = (x + 0.15, along + 0.15)
                b.add(street, (sign * (middle[0] - canopy / 2), sign * (middle[0] + canopy / 2)),
                      (-base, -base - rng.uniform(2.0, 4.0)), (middle[1] - canopy / 2, middle[1] + canopy / 2),
                      M["foliage"])
        if rng.random() < 0.5:
            x, size = curb + walk * rng.uniform(0.2, 0.7), rng.uniform(0.5, 1.2)
            height = size * rng.uniform(0.6, 1.4)
            b.add(street, (sign * x, sign * (x + size)), (0.0, -height), (along + 3.0, along + 3.0 + size),
                  M["crate"], keep_clear)
        along += rng.uniform(8.0, 20.0)


def _parked_cars(b, street, sign, keep_clear):
    """Cars along the curb, their inner side 2 m from it."""
    inner = street.road_half - 2.0
    along = street.start + b.rng.uniform(0.0, 6.0)
    while along < street.end:
        length = b.rng.uniform(3.8, 4.8)
        if b.rng.random() < 0.5:
            outer = inner + b.rng.uniform(1.7, 1.9)
            _car(b, street, (sign * inner, sign * outer), (along, along + length), keep_clear)
        along += length + b.rng.uniform(1.0, 6.0)


def _car(b, street, across, along, keep_clear=(), speed=0.0):
    colour = b.rng.uniform(0.15, 1.2, 3)
    return b.add(street, across, (0.0, -b.rng.uniform(1.4, 1.65)), along, M["car"], keep_clear, tint=colour,
                 speed=speed)


def _crossings(street: Street, others) -> list:
    """(low, high) intervals along `street` where the roads of crossing streets pass."""
    result = []
    for other in others:
        if other.axis != street.axis and other.start < street.centre < other.end:
            result.append((other.centre - other.road_half, other.centre + other.road_half))
    return result


def _camera_windows(street, others, positions, fps):
    """(along-interval of an intersection of `street`, (first, last) time the camera is in it)."""
    windows = []
    for low, high in _crossings(street, others):
        low, high = low - 3.0, high + 3.0
        perp = positions[:, 2 - street.axis]
        along = positions[:, street.axis]
        inside = (along > low) & (along < high) & (np.abs(perp - street.centre) < street.road_half + 3.0)
        if inside.any():
            frames = np.flatnonzero(inside)
            windows.append(((low, high), (frames[0] / fps - 1.5, frames[-1] / fps + 1.5)))
    return windows


def _moving_cars(b, street, others, positions, fps, duration):
    """Cars in the left lane of `street`, all at one speed (so they never meet), leaving out any
    that would share an intersection with the camera."""
    speed = b.rng.uniform(4.0, 14.0) * b.rng.choice([-1.0, 1.0])
    windows = _camera_windows(street, others, positions, fps)
    along = street.start - max(speed * duration, 0.0) + b.rng.uniform(5.0, 25.0)
    while along < street.end - min(speed * duration, 0.0):
        length = b.rng.uniform(3.8, 4.8)
        centre = MOVING_LANE + b.rng.uniform(-0.2, 0.2)
        # Times at which the car [along, along + length] + speed·t overlaps each intersection.
        clash = False
        for (low, high), (t0, t1) in windows:
            enter, leave = sorted([(low - along - length) / speed, (high - along) / speed])
            clash |= enter < t1 and t0 < leave
        if not clash:
            _car(b, street, (centre - 0.9, centre + 0.9), (along, along + length), speed=speed)
        along += length + b.rng.uniform(8.0, 40.0)


def generate_scene(rng: np.random.Generator, route: Route, poses: np.ndarray, fps: float,
                   moving_objects: bool) -> Scene:
    """The town around `route`; `poses` (float64 [N, 4, 4] camera→world, one per 1/fps s) keep
    moving cars out of intersections while the camera crosses them."""
    b = _Builder(rng)
    streets = route.streets
    everything = [street.rectangle(0.3) for street in streets]
    for index, street in enumerate(streets):
        others = streets[:index] + streets[index + 1:]
        clear_of_others = [other.rectangle(CLEARANCE) for other in others]
        for sign in (-1.0, 1.0):
            _sidewalk(b, street, sign, _crossings(street, others))
            # Front row: widths, depths, heights (m), gap probability, gap length; then a taller
            # back row 20-32 m further out, seen through the gaps.
            inner = street.road_half + street.walk
            _buildings(b, street, sign, inner, (8.0, 28.0), (8.0, 18.0), (6.0, 28.0), 0.25, (3.0, 12.0),
                       everything)
            _buildings(b, street, sign, inner + rng.uniform(20.0, 32.0), (10.0, 30.0), (10.0, 20.0),
                       (15.0, 50.0), 0.1, (5.0, 15.0), everything)
            _poles(b, street, sign, clear_of_others)
            _trees_and_crates(b, street, sign, clear_of_others)
            _parked_cars(b, street, sign, clear_of_others)
        if moving_objects:
            _moving_cars(b, street, others, poses[:, :3, 3], fps, (len(poses) - 1) / fps)

    lo, hi, velocity, face_material, uv_offset, tint = (np.asarray(c, np.float64) for c in zip(*b.rows))
    room_materials = [(M["road"],) * 3, (M["sky"],) * 3, (M["skyline"],) * 3]
    light = np.asarray([rng.uniform(-0.6, 0.6), -1.0, rng.uniform(-0.6, 0.2)])
    rectangles = np.asarray(everything)
    low = [rectangles[:, 0].min() - ROOM_MARGIN, -SKY_HEIGHT, rectangles[:, 2].min() - ROOM_MARGIN]
    high = [rectangles[:, 1].max() + ROOM_MARGIN, 0.0, rectangles[:, 3].max() + ROOM_MARGIN]
    return Scene(
        lo=lo,
        hi=hi,
        velocity=velocity,
        face_material=np.concatenate([face_material, room_materials]).astype(np.int64),
        uv_offset=np.concatenate([uv_offset, np.zeros((NUM_ROOM_PRIMS, 2))]).astype(np.float32),
        tint=np.concatenate([tint, np.ones((NUM_ROOM_PRIMS, 3))]).astype(np.float32),
        room_lo=np.asarray(low),
        room_hi=np.asarray(high),
        streets=tuple(streets),
        light=(light / np.linalg.norm(light)).astype(np.float32),
    )

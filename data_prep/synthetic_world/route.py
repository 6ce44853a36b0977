"""The street layout and the centre line the camera follows.

A staircase of straight streets joined by quarter-circle turns, alternately right and left, so
the route never meets itself and every street is axis-aligned (all solids stay axis-aligned
boxes). Each street continues 60 m past its corners (crossroads) and the last one 200 m past the
route's end (what the camera sees ahead). Heading ψ is the yaw of the direction of travel,
(dx, dz) = (sin ψ, cos ψ); the right of the road is r(ψ) = (cos ψ, −sin ψ) (x right, y down).
"""

import dataclasses

import numpy as np

STEP = 0.05  # metres between samples of the centre line
BEYOND_CORNER = 60.0
AHEAD = 200.0


@dataclasses.dataclass(frozen=True)
class Street:
    """One straight street.

    axis: 2 if it runs along z, 0 if along x. centre: the perpendicular coordinate (x or z) of
    its centre line. right: +1 or −1, the sign that maps "across, to the right of travel" onto
    that perpendicular coordinate. start, end: its extent along `axis`. road_half: metres from
    the centre line to the curb; walk: sidewalk width.
    """

    axis: int
    centre: float
    right: float
    start: float
    end: float
    road_half: float
    walk: float

    def to_world(self, across, along):
        """(x extent, z extent) of a street-local (across, along) pair of extents."""
        perp = tuple(self.centre + self.right * a for a in across)
        return (tuple(along), perp) if self.axis == 0 else (perp, tuple(along))

    def rectangle(self, margin: float) -> tuple:
        """(x0, x1, z0, z1) of the road and sidewalks plus `margin` metres on each side."""
        half = self.road_half + self.walk + margin
        along = (self.start - margin, self.end + margin)
        x, z = self.to_world((-half, half), along)
        return min(x), max(x), min(z), max(z)


@dataclasses.dataclass(frozen=True)
class Route:
    """streets: the streets in driving order. s: float64 [S], arc length of the centre-line
    samples; x, z, heading: float64 [S] their position and heading. corners: float64 [K], arc
    length at the middle of each turn."""

    streets: tuple
    s: np.ndarray
    x: np.ndarray
    z: np.ndarray
    heading: np.ndarray
    corners: np.ndarray


def overlaps(rect, x, z) -> bool:
    """Whether the rectangle (x0, x1, z0, z1) and the extents x=(a, b), z=(c, d) overlap."""
    return rect[0] < max(x) and min(x) < rect[1] and rect[2] < max(z) and min(z) < rect[3]


def _street(start_point, end_point, heading, street_start, street_end_margin, road_half, walk) -> Street:
    """The street of a straight piece from `start_point` to `end_point` ((x, z) arrays) driven
    with `heading`, reaching from `street_start` to `street_end_margin` metres past the end."""
    forward = np.array([np.sin(heading), np.cos(heading)])
    right = np.array([np.cos(heading), -np.sin(heading)])
    # Index of the street's axis within an (x, z) pair, and of the perpendicular one.
    along = 1 if abs(forward[1]) > 0.5 else 0
    across = 1 - along
    end = end_point[along] + forward[along] * street_end_margin
    low, high = sorted([street_start, end])
    return Street(axis=2 if along == 1 else 0, centre=float(start_point[across]), right=float(right[across]),
                  start=float(low), end=float(high), road_half=road_half, walk=walk)


def generate_route(rng: np.random.Generator, length: float) -> Route:
    """A route of at least `length` metres starting at the origin heading +z."""
    road_half, walk = rng.uniform(6.0, 8.0), rng.uniform(2.0, 4.0)
    turn = rng.choice([-1.0, 1.0])
    point, heading = np.zeros(2), 0.0
    pieces, streets, corners = [], [], []
    street_start, travelled, previous_radius = -40.0, 0.0, 0.0
    while True:
        # The first corner comes sooner, so that short sequences turn too.
        segment = rng.uniform(20.0, 120.0) if not streets else rng.uniform(60.0, 160.0)
        radius = rng.uniform(7.0, 10.0)
        forward = np.array([np.sin(heading), np.cos(heading)])
        right = np.array([np.cos(heading), -np.sin(heading)])
        # Corner to corner minus the parts the two quarter circles take.
        straight = segment - previous_radius - radius
        last = travelled + straight >= length
        if last:
            straight = max(length - travelled, 1.0) + 1.0
        n = max(int(straight / STEP), 1)
        t = np.arange(n) * (straight / n)
        pieces.append((point + t[:, None] * forward, np.full(n, heading)))
        travelled += straight
        end = point + straight * forward
        if last:
            streets.append(_street(point, end, heading, street_start, AHEAD, road_half, walk))
            break
        streets.append(_street(point, end, heading, street_start, radius + BEYOND_CORNER, road_half, walk))
        # Quarter circle about O = end + turn·R·r(ψ): points O − turn·R·r(ψ + turn·φ) for
        # φ ∈ [0, π/2), whose derivative R·(sin, cos)(ψ + turn·φ) is the heading.
        centre = end + turn * radius * right
        m = max(int(0.5 * np.pi * radius / STEP), 2)
        angles = heading + turn * np.arange(m) * (0.5 * np.pi / m)
        pieces.append((centre - turn * radius * np.stack([np.cos(angles), -np.sin(angles)], axis=1), angles))
        corners.append(travelled + 0.25 * np.pi * radius)
        travelled += 0.5 * np.pi * radius
        corner = end + radius * forward
        heading += turn * np.pi / 2
        forward = np.array([np.sin(heading), np.cos(heading)])
        point = corner + radius * forward
        along = 1 if abs(forward[1]) > 0.5 else 0
        street_start = corner[along] - forward[along] * BEYOND_CORNER
        previous_radius, turn = radius, -turn
    xz = np.concatenate([p for p, _ in pieces])
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(xz, axis=0), axis=1))])
    return Route(streets=tuple(streets), s=s, x=xz[:, 0], z=xz[:, 1],
                 heading=np.concatenate([h for _, h in pieces]), corners=np.asarray(corners))

"""The materials of the street world: one generator per tileable texture.

A generator takes `(rng, size, texel)` and returns float [size, size, 3] RGB in [0, 1]; row r,
column c covers the surface point u = (c + 0.5)·texel, v = (r + 0.5)·texel metres (u across,
v up a wall or along the road). Periods of bricks, windows and dashes divide the tile length,
so every tile wraps seamlessly. Colours are drawn from `rng`, so each sequence looks different.
"""

import dataclasses
from typing import Callable

import numpy as np

from data_prep.synthetic_world.noise import fractal_noise


def _coords(size: int, texel: float):
    """Texel-centre coordinates in metres: u float [1, size], v float [size, 1]."""
    centres = ((np.arange(size) + 0.5) * texel).astype(np.float32)
    return centres[None, :], centres[:, None]


def _mix(a, b, t) -> np.ndarray:
    """Per-texel blend of colours a, b (float [3] or [S, S, 3]) by t float [S, S]."""
    t = np.asarray(t, np.float32)[..., None]
    return np.asarray(a, np.float32) * (1.0 - t) + np.asarray(b, np.float32) * t


def _shade(colour, noise, amount) -> np.ndarray:
    """Multiplies a colour by (1 + amount·noise); noise float [S, S] in [-1, 1]."""
    return np.asarray(colour, np.float32) * (1.0 + amount * noise)[..., None]


def _cells(u, v, width, height):
    """Integer cell indices of a regular grid of width×height metre cells."""
    return np.floor(u / width).astype(np.int64), np.floor(v / height).astype(np.int64)


def _cell_noise(rng, ix, iy, count) -> np.ndarray:
    """A random value in [-1, 1] per grid cell (periodic over `count` cells), float [S, S]."""
    table = rng.uniform(-1.0, 1.0, (count, count)).astype(np.float32)
    return table[iy % count, ix % count]


def _windows(rng, u, v, noise, period_u, floor, width, height, sill):
    """Glass colour and a mask float [S, S] for a grid of windows with light frames."""
    du = np.mod(u, period_u) - 0.5 * (period_u - width)
    dv = np.mod(v, floor) - sill
    inside = (du > 0) & (du < width) & (dv > 0) & (dv < height)
    frame = 0.08
    glass_area = (du > frame) & (du < width - frame) & (dv > frame) & (dv < height - frame)
    glass = _mix(rng.uniform(0.08, 0.2, 3), rng.uniform(0.35, 0.6, 3), 0.5 + 0.5 * noise)
    frame_colour = np.full_like(glass, rng.uniform(0.55, 0.9))
    colour = np.where(glass_area[..., None], glass, frame_colour)
    return colour, inside.astype(np.float32)


def road(rng, size, texel):
    u, v = _coords(size, texel)
    base = rng.uniform(0.22, 0.36)
    colour = _shade([base, base, base * rng.uniform(0.95, 1.08)], fractal_noise(rng, size, 4, 8), 0.35)
    colour *= (1.0 + 0.25 * fractal_noise(rng, size, 2, 2) + 0.3 * fractal_noise(rng, size, 64, 3))[..., None]
    # Dashed centre line on u = 0 (the tile wraps, so it sits at x = 0 of the world): 3.2 m dash
    # every 6.4 m along the road.
    tile = size * texel
    across = np.minimum(u, tile - u)
    dash = (across < 0.08) & (np.mod(v, tile / 2) < tile / 4)
    paint = _shade([0.85, 0.85, rng.uniform(0.5, 0.85)], fractal_noise(rng, size, 16, 4), 0.12)
    return np.where(dash[..., None], paint, colour)


def marking(rng, size, texel):
    return _shade([0.88, 0.88, 0.84], fractal_noise(rng, size, 4, 5), 0.12)


def sidewalk(rng, size, texel):
    u, v = _coords(size, texel)
    slab = 0.8
    ix, iy = _cells(u, v, slab, slab)
    per_slab = _cell_noise(rng, ix, iy, int(round(size * texel / slab)))
    base = rng.uniform(0.45, 0.65) * np.asarray([1.0, rng.uniform(0.92, 1.0), rng.uniform(0.85, 1.0)])
    colour = _shade(base, 0.5 * per_slab + 0.5 * fractal_noise(rng, size, 8, 6), 0.3)
    grout = (np.mod(u, slab) < 0.03) | (np.mod(v, slab) < 0.03)
    return np.where(grout[..., None], colour * 0.55, colour)


def verge(rng, size, texel):
    patches = 0.5 + 0.5 * fractal_noise(rng, size, 3, 4)
    grass = rng.uniform([0.2, 0.35, 0.1], [0.35, 0.5, 0.2])
    soil = rng.uniform([0.4, 0.33, 0.2], [0.55, 0.45, 0.3])
    colour = _mix(grass, soil, patches)
    return colour * (1.0 + 0.4 * fractal_noise(rng, size, 16, 5))[..., None]


def brick_facade(rng, size, texel):
    u, v = _coords(size, texel)
    brick_h, brick_w = 0.16, 0.4
    row = np.floor(v / brick_h).astype(np.int64)
    shifted = u + 0.5 * brick_w * (row % 2)
    ix = np.floor(shifted / brick_w).astype(np.int64)
    per_brick = _cell_noise(rng, ix, np.broadcast_to(row, ix.shape), int(round(size * texel / brick_h)))
    base = rng.uniform([0.45, 0.18, 0.1], [0.7, 0.35, 0.25])
    bricks = _shade(base, 0.6 * per_brick + 0.4 * fractal_noise(rng, size, 16, 5), 0.3)
    mortar = (np.mod(v, brick_h) < 0.025) | (np.mod(shifted, brick_w) < 0.025)
    wall = np.where(mortar[..., None], np.full(3, rng.uniform(0.6, 0.8), np.float32), bricks)
    glass, mask = _windows(rng, u, v, fractal_noise(rng, size, 8, 4), 3.2, 3.2, 1.4, 1.8, 0.9)
    return _mix(wall, glass, mask)


def plaster_facade(rng, size, texel):
    u, v = _coords(size, texel)
    base = rng.uniform(0.55, 0.9, 3)
    wall = _shade(base, 0.6 * fractal_noise(rng, size, 4, 7) + 0.4 * fractal_noise(rng, size, 64, 3), 0.3)
    band = np.broadcast_to(np.mod(v, 3.2) < 0.2, wall.shape[:2])
    wall = np.where(band[..., None], wall * 0.7, wall)
    glass, mask = _windows(rng, u, v, fractal_noise(rng, size, 6, 4), 2.56, 3.2, 1.2, 1.6, 1.0)
    return _mix(wall, glass, mask)


def panel_facade(rng, size, texel):
    u, v = _coords(size, texel)
    ix, iy = _cells(u, v, 1.6, 1.6)
    per_panel = _cell_noise(rng, ix, iy, int(round(size * texel / 1.6)))
    variation = 0.5 * per_panel + 0.5 * fractal_noise(rng, size, 8, 6)
    wall = _shade(rng.uniform(0.4, 0.7) * np.ones(3), variation, 0.3)
    seams = (np.mod(u, 1.6) < 0.04) | (np.mod(v, 1.6) < 0.04)
    wall = np.where(seams[..., None], wall * 0.6, wall)
    glass, mask = _windows(rng, u, v, fractal_noise(rng, size, 4, 5), 1.6, 3.2, 1.4, 1.3, 1.0)
    return _mix(wall, glass, mask)


def pole(rng, size, texel):
    u, v = _coords(size, texel)
    metal = _shade(rng.uniform(0.35, 0.6) * np.ones(3), fractal_noise(rng, size, 8, 5, stretch=4), 0.5)
    stripe = np.broadcast_to(np.mod(v, 0.64) < 0.32, metal.shape[:2])
    accent = rng.uniform(0.2, 0.9, 3)
    return np.where(stripe[..., None], metal, _mix(metal, accent, 0.6 * np.ones(stripe.shape)))


def car(rng, size, texel):
    u, v = _coords(size, texel)
    # Near-white paint: the per-car tint gives the colour.
    variation = 0.5 * fractal_noise(rng, size, 4, 5) + 0.5 * fractal_noise(rng, size, 64, 3)
    paint = _shade(np.full(3, 0.8), variation, 0.35)
    windows = np.broadcast_to((v > 0.95) & (v < 1.35), paint.shape[:2])
    bumper = np.broadcast_to(v < 0.35, paint.shape[:2])
    seams = np.broadcast_to((np.mod(u, 1.28) < 0.03) | (np.abs(v - 0.65) < 0.02), paint.shape[:2])
    dark = _shade(np.full(3, 0.12), fractal_noise(rng, size, 8, 4), 0.5)
    colour = np.where((windows | bumper)[..., None], dark, paint)
    return np.where(seams[..., None], colour * 0.5, colour)


def crate(rng, size, texel):
    u, v = _coords(size, texel)
    row = np.broadcast_to(np.floor(v / 0.16).astype(np.int64), (size, size))
    per_plank = _cell_noise(rng, np.zeros_like(row), row, int(round(size * texel / 0.16)))
    grain = fractal_noise(rng, size, 8, 6, stretch=8).T
    colour = _shade(rng.uniform([0.45, 0.3, 0.15], [0.65, 0.45, 0.25]), 0.5 * per_plank + 0.5 * grain, 0.35)
    gap = np.broadcast_to(np.mod(v, 0.16) < 0.015, row.shape)
    return np.where(gap[..., None], colour * 0.4, colour)


def foliage(rng, size, texel):
    leaves = fractal_noise(rng, size, 16, 5, gain=0.7)
    shadow = rng.uniform([0.05, 0.15, 0.03], [0.12, 0.25, 0.08])
    lit = rng.uniform([0.25, 0.45, 0.1], [0.45, 0.6, 0.25])
    return _mix(shadow, lit, 0.5 + 0.8 * leaves)


def bark(rng, size, texel):
    streaks = fractal_noise(rng, size, 16, 5, stretch=8)
    return _shade(rng.uniform([0.25, 0.17, 0.1], [0.4, 0.28, 0.18]), streaks, 0.5)


def _sky_colour(rng, size, height_m):
    """Haze near the horizon fading to blue at `height_m` ≈ 80 m, with cloud noise."""
    t = np.clip(height_m / 80.0, 0.0, 1.0)
    horizon = rng.uniform([0.7, 0.75, 0.8], [0.85, 0.88, 0.92])
    zenith = rng.uniform([0.3, 0.45, 0.7], [0.45, 0.6, 0.9])
    sky = _mix(horizon, zenith, np.broadcast_to(t, (size, size)))
    clouds = np.clip(fractal_noise(rng, size, 4, 6, gain=0.6) * 1.5 + 0.2, 0.0, 1.0)
    return _mix(sky, np.full(3, 0.95), clouds)


def sky(rng, size, texel):
    return _sky_colour(rng, size, np.full((size, 1), 80.0, np.float32))


def skyline(rng, size, texel):
    """Distant blocks with lit windows below a periodic roof line; sky above it (v = height)."""
    u, v = _coords(size, texel)
    tile = size * texel
    edges = np.cumsum(rng.uniform(4.0, 16.0, 64))
    edges = edges[edges < tile - 4.0]
    block = np.searchsorted(edges, u[0])
    roof = rng.uniform(8.0, 45.0, len(edges) + 1)[block]
    roof = roof + 6.0 * fractal_noise(rng, size, 4, 3)[0]
    shade = rng.uniform(0.25, 0.5, (len(edges) + 1, 3))[block]
    buildings = _shade(np.broadcast_to(shade, (size, size, 3)), fractal_noise(rng, size, 16, 4), 0.2)
    lit = (np.mod(u, 1.5) < 0.6) & (np.mod(v, 3.0) < 1.2)
    buildings = np.where(lit[..., None], buildings * 1.6, buildings)
    return np.where((v < roof[None, :])[..., None], buildings, _sky_colour(rng, size, v))


@dataclasses.dataclass(frozen=True)
class MaterialSpec:
    name: str
    generate: Callable
    size: int
    texel: float


SPECS = (
    MaterialSpec("road", road, 512, 0.025),
    MaterialSpec("marking", marking, 64, 0.025),
    MaterialSpec("sidewalk", sidewalk, 256, 0.025),
    MaterialSpec("verge", verge, 256, 0.04),
    MaterialSpec("brick_facade", brick_facade, 512, 0.025),
    MaterialSpec("plaster_facade", plaster_facade, 512, 0.025),
    MaterialSpec("panel_facade", panel_facade, 512, 0.025),
    MaterialSpec("pole", pole, 128, 0.02),
    MaterialSpec("car", car, 256, 0.02),
    MaterialSpec("crate", crate, 128, 0.02),
    MaterialSpec("foliage", foliage, 256, 0.02),
    MaterialSpec("bark", bark, 128, 0.02),
    MaterialSpec("sky", sky, 256, 1.0),
    MaterialSpec("skyline", skyline, 512, 0.25),
)

INDEX = {spec.name: i for i, spec in enumerate(SPECS)}
FACADES = tuple(INDEX[name] for name in ("brick_facade", "plaster_facade", "panel_facade"))

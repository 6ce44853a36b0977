"""Periodic (tileable) value noise, the raw material of every texture."""

import numpy as np


def _periodic_weights(cells: int, size: int):
    """Lattice indices and smoothstep weights that spread `cells` periodic values over `size`."""
    x = (np.arange(size) + 0.5) * (cells / size) - 0.5
    i0 = np.floor(x).astype(np.int64)
    f = x - i0
    f = (f * f * (3.0 - 2.0 * f)).astype(np.float32)
    return i0 % cells, (i0 + 1) % cells, f


def _periodic_upsample(grid: np.ndarray, size: int) -> np.ndarray:
    """Smoothly interpolates a periodic [rows, cols] lattice to a [size, size] tile."""
    r0, r1, fr = _periodic_weights(grid.shape[0], size)
    c0, c1, fc = _periodic_weights(grid.shape[1], size)
    rows = grid[r0] * (1.0 - fr)[:, None] + grid[r1] * fr[:, None]
    return rows[:, c0] * (1.0 - fc)[None, :] + rows[:, c1] * fc[None, :]


def fractal_noise(
    rng: np.random.Generator,
    size: int,
    cells: int,
    octaves: int,
    gain: float = 0.5,
    stretch: int = 1,
) -> np.ndarray:
    """Periodic multi-octave value noise, float32 [size, size], zero mean, within [-1, 1].

    Octave k has `cells·2^k` lattice cells across the tile (capped at `size`) and amplitude
    gain^k; `stretch` > 1 divides the row count, giving streaks along the rows' axis (v).
    """
    total = np.zeros((size, size), np.float32)
    amplitude, norm = 1.0, 0.0
    for octave in range(octaves):
        count = min(cells * 2**octave, size)
        grid = rng.uniform(-1.0, 1.0, (max(count // stretch, 1), count)).astype(np.float32)
        total += amplitude * _periodic_upsample(grid, size)
        norm += amplitude
        amplitude *= gain
    return total / norm

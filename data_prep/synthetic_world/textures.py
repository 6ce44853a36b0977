"""Procedural, tileable surface textures and their mip-mapped, trilinear sampling.

Every material is a square RGB tile (float32 in [0, 1]) of `size` texels, each `texel` metres
wide, generated from a seed (value noise, bricks, windows, stripes, markings) and periodic, so
that a surface coordinate in metres wraps onto it seamlessly. Each tile is stored with its mip
pyramid (2×2 box averages, which keep it periodic) in one flat atlas, so that one vectorized
lookup samples every pixel of a frame whatever its material.

Sampling is trilinear: the mip level comes from the pixel's footprint on the surface, which
prefilters the texture to the pixel rate. That is what makes a rendered frame a band-limited
image, so that bilinearly warping a neighbouring frame reproduces it (the photometric check).
"""

import dataclasses

import numpy as np

from data_prep.synthetic_world import materials


@dataclasses.dataclass(frozen=True)
class TextureAtlas:
    """All materials' mip pyramids, flattened into one array.

    texels: float32 [T, 4], RGB and a zero pad (a 16-byte row gathers faster than 12 bytes),
      every level of every material, row-major within a level.
    offsets: int32 [M, L], index in `texels` of level l of material m (L = most levels).
    scales: float32 [M, L], texels per metre at level l of material m.
    sizes: int32 [M, L], texels across level l of material m (powers of two).
    top_level: int32 [M], the coarsest level of each material.
    log2_texel: float32 [M], log2 of the level-0 texel size in metres.
    """

    texels: np.ndarray
    offsets: np.ndarray
    scales: np.ndarray
    sizes: np.ndarray
    top_level: np.ndarray
    log2_texel: np.ndarray

    def sample(self, material, u, v, log2_footprint) -> np.ndarray:
        """Trilinear, wrap-around lookup.

        Args:
          material: int [N], material index per sample.
          u, v: float32 [N], surface coordinates in metres (u across, v down the tile).
          log2_footprint: float32 [N], log2 of the pixel's footprint on the surface, metres.

        Returns:
          float32 [N, 4] colours (RGB, then a zero column).
        """
        top = self.top_level[material]
        level = np.clip(log2_footprint - self.log2_texel[material], 0.0, top)
        low = level.astype(np.int32)
        blend = (level - low)[:, None]
        # Table entries of (material, level) pairs, flattened: material·L + level.
        entry = material.astype(np.int32) * self.offsets.shape[1] + low
        fine = self._bilinear(entry, u, v)
        coarse = self._bilinear(entry + (low < top), u, v)
        fine += (coarse - fine) * blend
        return fine

    def mean_colour(self, material: int) -> np.ndarray:
        """float32 [4], the average of a material's tile (its 1×1 mip level)."""
        return self.texels[self.offsets[material, self.top_level[material]]]

    def _bilinear(self, entry, u, v) -> np.ndarray:
        size = self.sizes.reshape(-1)[entry]
        scale = self.scales.reshape(-1)[entry]
        # Texel centres sit at (i + 0.5) / scale metres, hence the half-texel shift.
        x = u * scale - 0.5
        y = v * scale - 0.5
        x0 = np.floor(x)
        y0 = np.floor(y)
        fx = (x - x0)[:, None]
        fy = (y - y0)[:, None]
        mask = size - 1
        x0 = x0.astype(np.int32) & mask
        y0 = y0.astype(np.int32) & mask
        x1 = (x0 + 1) & mask
        base = self.offsets.reshape(-1)[entry]
        row0 = base + y0 * size
        row1 = base + ((y0 + 1) & mask) * size
        texels = self.texels
        top = np.take(texels, row0 + x0, axis=0)
        top += (np.take(texels, row0 + x1, axis=0) - top) * fx
        bottom = np.take(texels, row1 + x0, axis=0)
        bottom += (np.take(texels, row1 + x1, axis=0) - bottom) * fx
        top += (bottom - top) * fy
        return top


def mip_pyramid(tile: np.ndarray) -> list[np.ndarray]:
    """float [S, S, 3] (S a power of two) -> [tile, tile/2, ..., 1×1] by 2×2 box averages."""
    levels = [tile]
    while levels[-1].shape[0] > 1:
        t = levels[-1]
        levels.append(0.25 * (t[0::2, 0::2] + t[1::2, 0::2] + t[0::2, 1::2] + t[1::2, 1::2]))
    return levels


def build_atlas(rng: np.random.Generator) -> TextureAtlas:
    """Generates every material of `materials.SPECS` from `rng` and packs the pyramids."""
    pyramids, texel_sizes = [], []
    for spec in materials.SPECS:
        tile = np.clip(spec.generate(rng, spec.size, spec.texel), 0.0, 1.0)
        if tile.shape != (spec.size, spec.size, 3):
            raise ValueError(f"material {spec.name!r} made a tile of shape {tile.shape}")
        pyramids.append(mip_pyramid(tile))
        texel_sizes.append(spec.texel)
    num_levels = max(len(p) for p in pyramids)
    shape = (len(pyramids), num_levels)
    offsets = np.zeros(shape, np.int32)
    scales = np.ones(shape, np.float32)
    level_sizes = np.ones(shape, np.int32)
    chunks, cursor = [], 0
    for m, pyramid in enumerate(pyramids):
        for level, image in enumerate(pyramid):
            offsets[m, level] = cursor
            scales[m, level] = 1.0 / (texel_sizes[m] * 2**level)
            level_sizes[m, level] = image.shape[0]
            chunks.append(np.pad(image.reshape(-1, 3), ((0, 0), (0, 1))))
            cursor += image.shape[0] * image.shape[1]
    return TextureAtlas(
        texels=np.concatenate(chunks).astype(np.float32),
        offsets=offsets,
        scales=scales,
        sizes=level_sizes,
        top_level=np.asarray([len(p) - 1 for p in pyramids], np.int32),
        log2_texel=np.log2(np.asarray(texel_sizes)).astype(np.float32),
    )

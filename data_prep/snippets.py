"""Snippet formation and the train/val split, on frame indices only (no image is read here)."""

import numpy as np

SPLITS = ("train", "val", "test")


def snippet_positions(frame_ids: np.ndarray, seq_length: int, frame_stride: int) -> np.ndarray:
    """Every snippet of a sequence whose frames are all present, the target in the middle.

    A snippet around the frame at position p uses positions p + k·stride, k = -h..h with
    h = (seq_length - 1) / 2. It is kept only when those frames are consecutive in the original
    recording, i.e. frame_ids[p + h·s] - frame_ids[p - h·s] == 2·h·s: since frame_ids strictly
    increase, that equality holds exactly when no removed frame (a static-frame gap, a frame
    without ground truth) lies inside the span.

    Args:
      frame_ids: int64 [N], strictly increasing original frame indices.
      seq_length: odd number of frames per snippet (>= 3).
      frame_stride: spacing of the snippet's frames in the original recording (>= 1).

    Returns:
      int64 [M, seq_length]: positions (into the sequence's frame list) of each snippet's frames,
      in time order; the target is column seq_length // 2.
    """
    if seq_length < 3 or seq_length % 2 == 0:
        raise ValueError(f"seq_length must be odd and >= 3 (the target is the middle frame), got {seq_length}")
    if frame_stride < 1:
        raise ValueError(f"frame_stride must be >= 1, got {frame_stride}")
    frame_ids = np.asarray(frame_ids, np.int64)
    half_span = (seq_length // 2) * frame_stride
    count = len(frame_ids)
    if count <= 2 * half_span:
        return np.zeros((0, seq_length), np.int64)
    targets = np.arange(half_span, count - half_span)
    contiguous = frame_ids[targets + half_span] - frame_ids[targets - half_span] == 2 * half_span
    offsets = np.arange(-(seq_length // 2), seq_length // 2 + 1) * frame_stride
    return targets[contiguous][:, None] + offsets[None, :]


def assign_splits(
    sequences: list, val_fraction: float, seed: int, split: str = ""
) -> dict:
    """Whole sequences -> {split name: [Sequence]}, each list in the readers' order.

    With `split` set, every sequence goes to that one split (evaluation builds). Otherwise a
    seeded shuffle of the sequence groups (`Sequence.group`, else its name) puts
    round(val_fraction · count) of them (at least one when val_fraction > 0, never all) into
    `val`; a single-group dataset is all `train`.
    """
    if split:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        return {split: list(sequences)}
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    names = [s.name for s in sequences]
    if len(set(names)) != len(names):
        raise ValueError(f"sequence names must be unique, got {names}")
    groups = sorted({s.group or s.name for s in sequences})
    num_val = 0
    if val_fraction > 0 and len(groups) > 1:
        num_val = min(len(groups) - 1, max(1, int(round(val_fraction * len(groups)))))
    shuffled = np.random.default_rng(seed).permutation(len(groups))
    val_groups = {groups[i] for i in shuffled[:num_val]}
    splits = {
        "train": [s for s in sequences if (s.group or s.name) not in val_groups],
        "val": [s for s in sequences if (s.group or s.name) in val_groups],
    }
    return {name: members for name, members in splits.items() if members}

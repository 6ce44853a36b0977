"""Sharded TFRecord writing into a temporary folder that replaces the output only when complete.

A build writes everything into `<output_dir>.tmp` and renames it to `<output_dir>` at the end, so
a crash or an error never leaves a half-written dataset where a complete one is expected, and a
rerun starts clean. An existing dataset is replaced only when asked (`overwrite=True`).
"""

import math
import os
import shutil
from typing import Iterable

import tensorflow as tf

from sfmlearner_tf.data import dataset_info
from sfmlearner_tf.data.features import DATASET_INFO, SHARD_PATTERN


def shard_count(num_snippets: int, num_shards: int = 0, snippets_per_shard: int = 1000) -> int:
    """Shards of one split: `num_shards` when > 0 (never more than snippets), else by size."""
    if num_shards < 0 or snippets_per_shard < 1:
        raise ValueError(
            f"num_shards must be >= 0 and snippets_per_shard >= 1, got {num_shards}, {snippets_per_shard}"
        )
    if num_shards > 0:
        return max(1, min(num_shards, num_snippets))
    return max(1, math.ceil(num_snippets / snippets_per_shard))


class DatasetWriter:
    """Owns `<output_dir>.tmp` during a build; `finish` moves it into place."""

    def __init__(self, output_dir: str, overwrite: bool = False):
        self.output_dir = os.path.abspath(output_dir)
        if os.path.exists(self.output_dir) and not overwrite:
            if not os.path.isdir(self.output_dir):
                raise FileExistsError(f"output {self.output_dir} exists and is not a folder")
            if os.listdir(self.output_dir):
                what = "a dataset" if os.path.exists(os.path.join(self.output_dir, DATASET_INFO)) else "files"
                raise FileExistsError(
                    f"output folder {self.output_dir} already holds {what}; pass --overwrite to replace it"
                )
        self.temporary_dir = self.output_dir + ".tmp"
        # A leftover of an interrupted build is never a result anyone relies on.
        shutil.rmtree(self.temporary_dir, ignore_errors=True)
        os.makedirs(self.temporary_dir)
        self.scratch_dir = os.path.join(self.temporary_dir, ".scratch")

    def write_split(self, split: str, records: Iterable[bytes], num_snippets: int, num_shards: int) -> list:
        """Writes exactly `num_snippets` serialized examples into `num_shards` shards, in order.

        Shard i holds the contiguous run of snippets [⌊i·n/S⌋, ⌊(i+1)·n/S⌋), so shards differ in
        size by at most one and file order is the readers' order (evaluation reads it as is).
        Returns the shard file names.
        """
        names = [SHARD_PATTERN.format(split=split, index=i, count=num_shards) for i in range(num_shards)]
        bounds = [(i * num_snippets) // num_shards for i in range(num_shards + 1)]
        iterator = iter(records)
        written = 0
        for index, name in enumerate(names):
            with tf.io.TFRecordWriter(os.path.join(self.temporary_dir, name)) as shard:
                for _ in range(bounds[index + 1] - bounds[index]):
                    record = next(iterator, None)
                    if record is None:
                        raise RuntimeError(f"split {split!r}: expected {num_snippets} snippets, got {written}")
                    shard.write(record)
                    written += 1
        if next(iterator, None) is not None:
            raise RuntimeError(f"split {split!r}: more than the planned {num_snippets} snippets")
        return names

    def finish(self, info: dict) -> str:
        """Writes dataset.json, then swaps the temporary folder into place; returns output_dir."""
        shutil.rmtree(self.scratch_dir, ignore_errors=True)
        dataset_info.write_dataset_info(self.temporary_dir, info)
        previous = self.output_dir + ".old"
        shutil.rmtree(previous, ignore_errors=True)
        if os.path.exists(self.output_dir):
            os.rename(self.output_dir, previous)
        os.rename(self.temporary_dir, self.output_dir)
        shutil.rmtree(previous, ignore_errors=True)
        return self.output_dir

    def abort(self) -> None:
        """Removes the temporary folder (the previous dataset, if any, is untouched)."""
        shutil.rmtree(self.temporary_dir, ignore_errors=True)

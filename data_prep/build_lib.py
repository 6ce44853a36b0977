"""Sequences -> snippets -> resized, encoded frames -> sharded TFRecords + dataset.json.

The library behind `python -m data_prep.build_tfrecords` (which only parses flags). Frames are
decoded, cropped, resized and encoded once each, in worker processes, a bounded window at a time,
so memory does not grow with the length of a sequence.
"""

import concurrent.futures
import dataclasses
import datetime
import logging
import multiprocessing
import os
from typing import Callable, Optional

import numpy as np

import sfmlearner_tf
from data_prep import frame_ops, snippets
from data_prep.readers.base import Sequence
from data_prep.writer import DatasetWriter, shard_count
from sfmlearner_tf.config import ModelConfig
from sfmlearner_tf.data.features import encode_snippet
from sfmlearner_tf.geometry import resize_intrinsics
from sfmlearner_tf.progress_bar import ProgressBar

# Frames decoded per round trip to the workers: large enough to keep them busy, small enough that
# a window of encoded frames (and target depths) stays a few tens of MB.
_CHUNK_FRAMES = 64


@dataclasses.dataclass(frozen=True)
class BuildOptions:
    # The networks' input size and snippet length, so that default records feed a default
    # training run as stored (no resize in the pipeline).
    height: int = ModelConfig.height
    width: int = ModelConfig.width
    seq_length: int = ModelConfig.seq_length
    frame_stride: int = 1
    image_format: str = "png"
    jpeg_quality: int = 95
    val_fraction: float = 0.1
    seed: int = 0
    # Non-empty: every sequence goes into this one split (evaluation builds).
    split: str = ""
    num_shards: int = 0
    snippets_per_shard: int = 1000
    num_workers: int = 1
    overwrite: bool = False

    def __post_init__(self):
        if self.height < 1 or self.width < 1:
            raise ValueError(f"height and width must be positive, got {self.height}x{self.width}")
        if self.image_format not in frame_ops.IMAGE_FORMATS:
            raise ValueError(f"image_format must be one of {frame_ops.IMAGE_FORMATS}, got {self.image_format!r}")
        if self.num_workers < 1:
            raise ValueError(f"num_workers must be >= 1, got {self.num_workers}")
        # Validates seq_length and frame_stride with the same messages the builder would give.
        snippets.snippet_positions(np.arange(0), self.seq_length, self.frame_stride)


class _FrameMapper:
    """Runs frame_ops.prepare_frame in worker processes (or in-process for one worker).

    A ProcessPoolExecutor, not multiprocessing.Pool: a worker that dies makes it raise
    BrokenProcessPool instead of waiting forever for the lost results.
    """

    def __init__(self, num_workers: int):
        self._executor = None
        if num_workers > 1:
            # spawn: the parent has TensorFlow loaded, whose threads make fork unsafe.
            self._executor = concurrent.futures.ProcessPoolExecutor(
                num_workers, mp_context=multiprocessing.get_context("spawn"))

    def __call__(self, tasks: list) -> list:
        if self._executor is None:
            return [frame_ops.prepare_frame(task) for task in tasks]
        return list(self._executor.map(frame_ops.prepare_frame, tasks, chunksize=4))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


def _sequence_records(sequence: Sequence, positions: np.ndarray, options: BuildOptions, mapper,
                      has_gt_depth: bool, has_gt_poses: bool, on_record: Callable):
    """Serialized examples of one sequence's snippets (positions: int64 [M, seq_length])."""
    if len(positions) == 0:
        return
    native_height, native_width = frame_ops.image_size(sequence.frames[0])
    # Cropping keeps the top rows, so K is unchanged by the crop itself (reference: int(0.75·H)).
    crop_rows = int(native_height * (1.0 - sequence.crop_bottom))
    size = (options.height, options.width)
    # The frames are resized by pillow, which maps pixel areas as tf.image.resize does.
    intrinsics = resize_intrinsics(sequence.intrinsics, size[1] / native_width, size[0] / crop_rows).numpy()
    middle = options.seq_length // 2
    targets = set(positions[:, middle].tolist())
    needed = np.unique(positions)

    def task(position: int) -> frame_ops.FrameTask:
        depth_path = None
        if has_gt_depth and position in targets:
            depth_path = sequence.depth_files[position]
        return frame_ops.FrameTask(
            image_path=sequence.frames[position], native_size=(native_height, native_width),
            crop_rows=crop_rows, size=size, image_format=options.image_format,
            jpeg_quality=options.jpeg_quality, depth_path=depth_path, depth_scale=sequence.depth_scale,
        )

    cache = {}
    loaded = 0
    for row in positions:
        while row[-1] not in cache:
            chunk = needed[loaded:loaded + _CHUNK_FRAMES].tolist()
            cache.update(zip(chunk, mapper([task(p) for p in chunk])))
            loaded += len(chunk)
        for stale in [p for p in cache if p < row[0]]:
            del cache[stale]
        target = int(row[middle])
        gt_depth = None
        if has_gt_depth:
            gt_depth = cache[target][1]
            if gt_depth is None:
                gt_depth = np.zeros(size, np.float32)
        yield encode_snippet(
            [cache[p][0] for p in row], intrinsics, options.height, options.width,
            sequence=sequence.name, frame_index=int(sequence.frame_ids[target]), gt_depth=gt_depth,
            gt_poses=sequence.gt_poses[row] if has_gt_poses else None,
        )
        on_record()


def _shared_ground_truth(sequences: list) -> tuple:
    """(has_gt_depth, has_gt_poses): a dataset's schema carries a field only if every sequence has it."""
    flags = []
    for name, present in (("depth", [s.depth_files is not None for s in sequences]),
                          ("poses", [s.gt_poses is not None for s in sequences])):
        if any(present) and not all(present):
            missing = [s.name for s, p in zip(sequences, present) if not p]
            logging.warning("ground-truth %s dropped: sequences %s have none", name, missing)
        flags.append(all(present))
    return tuple(flags)


def build_dataset(sequences: list, output_dir: str, source: str, options: BuildOptions,
                  source_dir: str = "", show_progress: bool = True, extra_info: Optional[dict] = None,
                  writer: Optional[DatasetWriter] = None) -> dict:
    """Writes the TFRecord dataset of `sequences` to `output_dir`; returns its dataset.json dict.

    Raises ValueError when no snippet can be formed, FileExistsError when `output_dir` holds data
    and options.overwrite is False, and the readers'/frame errors (each naming its file).
    """
    writer = writer or DatasetWriter(output_dir, options.overwrite)
    try:
        if not sequences:
            raise ValueError(f"no sequences found in {source_dir or source!r}")
        has_gt_depth, has_gt_poses = _shared_ground_truth(sequences)
        plans = {s.name: snippets.snippet_positions(s.frame_ids, options.seq_length, options.frame_stride)
                 for s in sequences}
        total = sum(len(p) for p in plans.values())
        if total == 0:
            longest = max(len(s.frames) for s in sequences)
            raise ValueError(
                f"no snippets of {options.seq_length} frames at stride {options.frame_stride} in "
                f"{source_dir or source!r}: the longest run of frames has {longest} frames"
            )
        splits = snippets.assign_splits(sequences, options.val_fraction, options.seed, options.split)
        # A build runs for minutes: redrawing twice a second is enough.
        progress = ProgressBar(total, "snippets", min_interval=0.5) if show_progress else None
        on_record = progress.update if progress else (lambda: None)
        mapper = _FrameMapper(options.num_workers)
        split_info = {}
        try:
            for split, members in splits.items():
                count = sum(len(plans[s.name]) for s in members)
                if count == 0:
                    continue
                records = (record for s in members for record in _sequence_records(
                    s, plans[s.name], options, mapper, has_gt_depth, has_gt_poses, on_record))
                num_shards = shard_count(count, options.num_shards, options.snippets_per_shard)
                shards = writer.write_split(split, records, count, num_shards)
                split_info[split] = {"shards": shards, "num_snippets": count,
                                     "sequences": [s.name for s in members if len(plans[s.name])]}
        finally:
            mapper.close()
            if progress:
                progress.close()
        info = dict(extra_info or {})
        info.update(
            tool="data_prep.build_tfrecords", version=sfmlearner_tf.__version__, source=source,
            source_dir=os.path.abspath(source_dir) if source_dir else "",
            height=options.height, width=options.width, seq_length=options.seq_length,
            frame_stride=options.frame_stride, image_format=options.image_format,
            has_gt_depth=has_gt_depth, has_gt_poses=has_gt_poses,
            created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            seed=options.seed, val_fraction=options.val_fraction, splits=split_info,
        )
        writer.finish(info)
    except BaseException:
        writer.abort()
        raise
    return info

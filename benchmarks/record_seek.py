"""Time to read one training record at the start, middle and end of one large shard; prints JSON.

    python -m benchmarks.record_seek [--shard_gb=2] [--records_per_place=50] [--keep_dir=DIR]

A user's single video is one shard. Training reads records in a shuffled order, each by seeking to
it (`shards.RecordReader`), so a record should cost the same wherever it lies. This writes one
shard of --shard_gb of real 128x416 snippet records (a few distinct snippets cycled, each record
with its own frame index), then times --records_per_place reads at the start, the middle and the
end of it with the training reader (the median per place), and one read at each place with tf.data's
FixedLengthRecordDataset given the record's offset as `header_bytes` (how training read records
before 2026-12-07; it reads through the header to skip it). The file was just written, so it is in
the page cache: these are the costs of the reads themselves, not of the disk. With --keep_dir the
shard and its dataset.json stay there (`python -m benchmarks.input_pipeline --dataset_dir=DIR`
reads them); without it a temporary folder is deleted afterwards.
"""

import io
import json
import os
import shutil
import tempfile
import time

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.machine import machine  # noqa: E402
from sfmlearner_tf.data import SHARD_PATTERN, encode_snippet, write_dataset_info  # noqa: E402
from sfmlearner_tf.data.shards import RecordReader, record_layout  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_float("shard_gb", 2.0, "Size of the one shard, in GB (1e9 bytes).")
flags.DEFINE_integer("records_per_place", 50, "Records timed at each of the start, middle and end.")
flags.DEFINE_integer("distinct_snippets", 16, "Distinct snippets encoded (then cycled).")
flags.DEFINE_integer("height", 128, "Frame height.")
flags.DEFINE_integer("width", 416, "Frame width.")
flags.DEFINE_string("keep_dir", "", "Write the shard here and keep it (default: a temporary folder).")


def _snippet_frames(rng: np.random.Generator) -> list:
    """Three PNG frames of smooth colour regions plus fine texture (about camera frames' size)."""
    frames = []
    for _ in range(3):
        coarse = rng.uniform(0, 255, (FLAGS.height // 16 + 1, FLAGS.width // 16 + 1, 3)).astype(np.uint8)
        smooth = np.asarray(Image.fromarray(coarse).resize((FLAGS.width, FLAGS.height), Image.Resampling.BICUBIC))
        image = np.clip(smooth + rng.normal(0, 12, smooth.shape), 0, 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG")
        frames.append(buffer.getvalue())
    return frames


def _write_shard(directory: str) -> tuple[str, int]:
    rng = np.random.default_rng(0)
    snippets = [_snippet_frames(rng) for _ in range(FLAGS.distinct_snippets)]
    width, height = FLAGS.width, FLAGS.height
    intrinsics = np.array([[0.58 * width, 0, 0.5 * width], [0, 1.92 * height, 0.5 * height], [0, 0, 1]])
    name = SHARD_PATTERN.format(split="train", index=0, count=1)
    path = os.path.join(directory, name)
    written, count = 0, 0
    with tf.io.TFRecordWriter(path) as writer:
        while written < FLAGS.shard_gb * 1e9:
            record = encode_snippet(snippets[count % len(snippets)], intrinsics, height, width,
                                    sequence="bench", frame_index=count)
            writer.write(record)
            written += len(record) + 16
            count += 1
    write_dataset_info(directory, {
        "height": height, "width": width, "seq_length": 3, "has_gt_depth": False, "has_gt_poses": False,
        "image_format": "png",
        "splits": {"train": {"shards": [name], "num_snippets": count, "sequences": ["bench"]}},
    })
    return path, count


def _fixed_length_read(path: str, offset: int, length: int, size: int) -> bytes:
    records = tf.data.FixedLengthRecordDataset(path, record_bytes=length, header_bytes=offset,
                                               footer_bytes=size - offset - length)
    return next(iter(records)).numpy()


def main(argv):
    del argv
    directory = FLAGS.keep_dir or tempfile.mkdtemp(prefix="record_seek_")
    os.makedirs(directory, exist_ok=True)
    try:
        start = time.perf_counter()
        path, count = _write_shard(directory)
        write_s = time.perf_counter() - start
        layout = record_layout(path)
        reader = RecordReader([path])
        n = FLAGS.records_per_place
        places = {"start": range(0, n), "middle": range(count // 2, count // 2 + n), "end": range(count - n, count)}
        reader.read(0, 0, layout.offsets[0])  # opens the file
        result = {}
        for place, indices in places.items():
            durations = []
            for index in indices:
                start = time.perf_counter()
                data = reader.read(0, index, layout.offsets[index])
                durations.append(time.perf_counter() - start)
                assert len(data) == layout.lengths[index]
            # The median: two cores shared with whatever else runs; one slow read is not the place's cost.
            per_record = float(np.median(durations))
            last = indices[-1]
            start = time.perf_counter()
            _fixed_length_read(path, layout.offsets[last], layout.lengths[last], layout.size)
            fixed_length = time.perf_counter() - start
            result[place] = {"record": last, "byte_offset": layout.offsets[last],
                             "seek_read_median_ms": round(1e3 * per_record, 3),
                             "fixed_length_dataset_ms": round(1e3 * fixed_length, 1)}
        times = [entry["seek_read_median_ms"] for entry in result.values()]
        print(json.dumps({
            "benchmark": "record_seek",
            "shard_bytes": layout.size,
            "records": count,
            "mean_record_bytes": round(layout.size / count),
            "write_s": round(write_s, 1),
            "places": result,
            "seek_read_max_over_min": round(max(times) / min(times), 3),
            "page_cache": "warm (the shard was just written)",
            "machine": machine(),
        }, indent=2))
    finally:
        if not FLAGS.keep_dir:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    app.run(main)

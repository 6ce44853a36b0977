"""Input-pipeline throughput (snippets/s) and the time to index the shards; prints JSON.

    python -m benchmarks.input_pipeline                       # temporary synthetic records, 128x416
    python -m benchmarks.input_pipeline --dataset_dir=D --split=train

Without --dataset_dir it writes --num_snippets temporary PNG (or JPEG) snippets of textured
random images (about as compressible as camera frames) and deletes them afterwards. Batches are
timed after --warmup_batches (which start the parallel workers). `make_dataset_s` includes
walking every shard's record headers, which the shuffled training stream reads records by.
"""

import dataclasses
import io
import json
import os
import tempfile
import time

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.machine import machine  # noqa: E402
from sfmlearner_tf.config import DataConfig, ModelConfig  # noqa: E402
from sfmlearner_tf.data import SHARD_PATTERN, encode_snippet, make_dataset, shard_paths, write_dataset_info  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset_dir", "", "TFRecord dataset; empty: write temporary synthetic records.")
flags.DEFINE_string("split", "train", "Split to read.")
flags.DEFINE_integer("batch_size", DataConfig.batch_size, "Snippets per batch.")
flags.DEFINE_integer("height", ModelConfig.height, "Model input height.")
flags.DEFINE_integer("width", ModelConfig.width, "Model input width.")
flags.DEFINE_integer("seq_length", ModelConfig.seq_length, "Frames per snippet (temporary records).")
flags.DEFINE_boolean("augment", DataConfig.augment, "Training augmentation on.")
flags.DEFINE_integer("warmup_batches", 20, "Batches read before timing.")
flags.DEFINE_integer("num_batches", 100, "Batches timed.")
flags.DEFINE_integer("num_snippets", 256, "Temporary records to write.")
flags.DEFINE_integer("num_shards", 4, "Temporary shards to write.")
flags.DEFINE_enum("image_format", "png", ["png", "jpeg"], "Encoding of the temporary frames.")


def _textured_frame(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """uint8 [H, W, 3]: smooth colour regions plus fine texture, like a road scene's statistics."""
    coarse = rng.uniform(0, 255, (height // 16 + 1, width // 16 + 1, 3)).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC), np.float32)
    texture = rng.normal(0, 12, (height, width, 1))
    return np.clip(smooth + texture, 0, 255).astype(np.uint8)


def write_temporary_dataset(directory: str) -> None:
    rng = np.random.default_rng(0)
    height, width, seq_length = FLAGS.height, FLAGS.width, FLAGS.seq_length
    intrinsics = np.array([[0.58 * width, 0, 0.5 * width], [0, 1.92 * height, 0.5 * height], [0, 0, 1]])
    names = [SHARD_PATTERN.format(split=FLAGS.split, index=i, count=FLAGS.num_shards) for i in range(FLAGS.num_shards)]
    for shard, name in enumerate(names):
        with tf.io.TFRecordWriter(os.path.join(directory, name)) as writer:
            for i in range(shard, FLAGS.num_snippets, FLAGS.num_shards):
                frames = []
                for _ in range(seq_length):
                    buffer = io.BytesIO()
                    Image.fromarray(_textured_frame(rng, height, width)).save(buffer, format=FLAGS.image_format)
                    frames.append(buffer.getvalue())
                writer.write(encode_snippet(frames, intrinsics, height, width, sequence="bench", frame_index=i))
    write_dataset_info(
        directory,
        {
            "height": height,
            "width": width,
            "seq_length": seq_length,
            "has_gt_depth": False,
            "has_gt_poses": False,
            "image_format": FLAGS.image_format,
            "splits": {FLAGS.split: {"shards": names, "num_snippets": FLAGS.num_snippets, "sequences": ["bench"]}},
        },
    )


def run(dataset_dir: str) -> dict:
    data_config = DataConfig(
        batch_size=FLAGS.batch_size,
        augment=FLAGS.augment,
    )
    model_config = ModelConfig(height=FLAGS.height, width=FLAGS.width, seq_length=FLAGS.seq_length)
    start = time.perf_counter()
    dataset = make_dataset(dataset_dir, FLAGS.split, data_config, model_config)
    build_s = time.perf_counter() - start
    iterator = iter(dataset)
    for _ in range(FLAGS.warmup_batches):
        next(iterator)
    start = time.perf_counter()
    for _ in range(FLAGS.num_batches):
        next(iterator)
    elapsed = time.perf_counter() - start
    paths = shard_paths(dataset_dir, FLAGS.split)
    num_records = sum(1 for path in paths for _ in tf.data.TFRecordDataset(path))
    mean_record_bytes = sum(os.path.getsize(path) for path in paths) / max(num_records, 1)
    return {
        "benchmark": "input_pipeline",
        "snippets_per_s": round(FLAGS.num_batches * FLAGS.batch_size / elapsed, 1),
        "batches_per_s": round(FLAGS.num_batches / elapsed, 2),
        "timed_batches": FLAGS.num_batches,
        "make_dataset_s": round(build_s, 3),
        "mean_record_bytes": round(mean_record_bytes),
        "data_config": dataclasses.asdict(data_config),
        "height": FLAGS.height,
        "width": FLAGS.width,
        "machine": machine(),
    }


def main(argv):
    del argv
    if FLAGS.dataset_dir:
        result = run(FLAGS.dataset_dir)
        result["dataset_dir"] = FLAGS.dataset_dir
    else:
        with tempfile.TemporaryDirectory() as directory:
            write_temporary_dataset(directory)
            result = run(directory)
            result["dataset_dir"] = f"temporary ({FLAGS.num_snippets} {FLAGS.image_format} snippets)"
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    app.run(main)

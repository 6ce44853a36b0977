"""The `tf.data` input pipeline: TFRecord shards -> batches of target, sources and intrinsics.

Training draws a uniform shuffle of the whole split, whatever the number and order of its shards
(a user's single video is one shard of snippets in time order). The pipeline first walks the
shards' record headers (`shards.record_layout`: milliseconds, no data read) to know where every
record lies; then position g of the endless training stream is record

    index_shuffle(g mod N, seed=(seed, g div N))

of the N records, a pseudo-random permutation computed per position (a Feistel network), not
drawn from a buffer: every epoch visits each record once in a fresh uniform order, the memory
needed is a few integers per record, and the input's whole state is the position. Each record
is read by seeking to it, with its data CRC checked (`shards.RecordReader`): a record costs the
same wherever it lies in its shard (`benchmarks/record_seek.py`). A resumed run therefore
continues the same permutation exactly by starting at position `steps done × batch size`
(`start`), with nothing of tf.data's iterator state in the checkpoint; this works the same for
one device or several.

Order of operations in training: positions -> read the record -> parse, decode, resize,
augment (seeded by the position) -> batch -> intrinsics pyramid, target/sources split ->
prefetch. Evaluation reads the shards once, in file order.
"""

from typing import Optional

import numpy as np
import tensorflow as tf

from sfmlearner_tf.config import DataConfig, ModelConfig
from sfmlearner_tf.data import augment, dataset_info, decode, shards
from sfmlearner_tf.geometry import intrinsics_pyramid
from sfmlearner_tf.image_range import unit_to_network_range

_READ_BUFFER_BYTES = 256 * 1024
# Records read at once while training (each is a seek and one read).
_PARALLEL_READS = 4
# The training stream's end: never reached (2^62 positions).
_STREAM_END = 2**62


def make_dataset(
    dataset_dir: str,
    split: str,
    data_config: DataConfig,
    model_config: ModelConfig,
    num_scales: int = 4,
    training: bool = True,
    seed: int = 0,
    input_context: Optional[tf.distribute.InputContext] = None,
    start: int = 0,
) -> tf.data.Dataset:
    """Batches of snippets from a dataset written by `data_prep.build_tfrecords`.

    Args:
      dataset_dir: folder with dataset.json and the TFRecord shards.
      split: split name in dataset.json (`train`, `val`, `test`).
      data_config: batch size, augmentation.
      model_config: the networks' height, width and seq_length (must equal the dataset's).
      num_scales: levels of the intrinsics pyramid.
      training: True: an endless stream of uniform shuffles of the split (module docstring),
        augmented (if `data_config.augment`), incomplete batches dropped. False: one pass in
        file order, no augmentation.
      seed: seeds the shuffle and the augmentation (same seed, same batches).
      input_context: from `strategy.distribute_datasets_from_function`; this pipeline then
        reads every `num_input_pipelines`-th position of the stream (training) or its share of
        the shards (evaluation), and batches `input_context.get_per_replica_batch_size(batch_size)`.
      start: training only: the snippets this pipeline has already delivered (a resumed run:
        steps done × global batch / input pipelines); the stream continues from there.

    Returns:
      A dataset of dicts:
        `target` float32 [B, H, W, 3] in [-1, 1], the middle frame;
        `sources` float32 [B, H, W, 3·(S-1)] in [-1, 1], the other frames in time order;
        `intrinsics` float32 [B, num_scales, 3, 3], scale s for the image divided by 2^s;
        `sequence` string [B]; `frame_index` int64 [B];
        when the dataset has them: `gt_depth` float32 [B, H, W, 1] (metres, 0 = unknown) and
        `gt_poses` float32 [B, S, 3, 4] (camera-to-world; mirrored with the images by a flip).

    Raises:
      FileNotFoundError: no dataset.json or a listed shard is missing (the path is quoted).
      ValueError: the dataset's seq_length differs from the model's, an unknown split, or a
        split without records.
      shards.CorruptShardError: a shard is truncated or has a damaged record header.
    """
    info = dataset_info.read_dataset_info(dataset_dir)
    if int(info["seq_length"]) != model_config.seq_length:
        raise ValueError(
            f"dataset {dataset_dir!r} has seq_length={info['seq_length']} but the model config has "
            f"seq_length={model_config.seq_length}"
        )
    paths = dataset_info.shard_paths(dataset_dir, split)
    # Cheap (headers only): a truncated shard fails here, named, instead of mid-training.
    layouts = [shards.record_layout(path) for path in paths]

    batch_size = data_config.batch_size
    if input_context is not None:
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    decode_snippet = decode.make_decoder(info, model_config.height, model_config.width)
    if training:
        records = _shuffled_records(paths, layouts, seed, start, input_context)

        def decode_and_augment(position, serialized):
            snippet = decode_snippet(serialized)
            if not data_config.augment:
                return snippet
            return augment.augment_snippet(snippet, tf.stack([tf.constant(seed, tf.int64), position]), data_config)

        snippets = records.map(decode_and_augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    else:
        records = _file_order_records(paths, input_context)
        snippets = records.map(decode_snippet, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)

    target_index = model_config.seq_length // 2
    batches = snippets.batch(batch_size, drop_remainder=training).map(
        lambda batch: _model_inputs(batch, target_index, num_scales),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    options = tf.data.Options()
    options.deterministic = True
    return batches.prefetch(tf.data.AUTOTUNE).with_options(options)


def _shuffled_records(paths: list, layouts: list, seed: int, start: int, input_context) -> tf.data.Dataset:
    """(position int64 [], serialized example string []): the training stream (module docstring)."""
    shard_of = np.concatenate([np.full(len(layout.offsets), i, np.int64) for i, layout in enumerate(layouts)])
    num_records = len(shard_of)
    if num_records == 0:
        raise ValueError(f"the shards {paths} hold no records")
    index_in_shard = np.concatenate([np.arange(len(layout.offsets), dtype=np.int64) for layout in layouts])
    offsets = np.concatenate([np.asarray(layout.offsets, np.int64) for layout in layouts])
    reader = shards.RecordReader(paths)

    def read_record(record):
        record = int(record)
        try:
            return reader.read(int(shard_of[record]), int(index_in_shard[record]), int(offsets[record]))
        except shards.CorruptShardError as corrupt:
            # py_function turns a ValueError into an InvalidArgumentError (any other exception into
            # an UnknownError), which the trainer reports with this message's shard and record.
            raise ValueError(corrupt.message) from None

    count, index = 1, 0
    if input_context is not None:
        count, index = input_context.num_input_pipelines, input_context.input_pipeline_id

    def read(position):
        epoch, rank = position // num_records, position % num_records
        record = tf.random.experimental.index_shuffle(
            rank, seed=tf.stack([tf.constant(seed, tf.int64), epoch]), max_index=num_records - 1)
        # One seek and one read in TensorFlow's C++ reader; Python only looks up where the record is.
        serialized = tf.py_function(read_record, [record], tf.string)
        serialized.set_shape([])
        return position, serialized

    positions = tf.data.Dataset.range(index + count * start, _STREAM_END, count)
    return positions.map(read, num_parallel_calls=_PARALLEL_READS, deterministic=True)


def _file_order_records(paths: list, input_context) -> tf.data.Dataset:
    """Serialized examples of this input pipeline's share of `paths`, once, in file order."""
    record_shard = None
    if input_context is not None and input_context.num_input_pipelines > 1:
        count, index = input_context.num_input_pipelines, input_context.input_pipeline_id
        if len(paths) >= count:
            paths = paths[index::count]
        else:
            # Too few shards to split by file: every pipeline reads every shard and keeps
            # every count-th record of it (by position in the file, so pipelines never overlap).
            record_shard = (count, index)

    def read(path):
        file_records = tf.data.TFRecordDataset(path, buffer_size=_READ_BUFFER_BYTES)
        return file_records.shard(*record_shard) if record_shard else file_records

    return tf.data.Dataset.from_tensor_slices(paths).flat_map(read)


def _model_inputs(batch: dict, target_index: int, num_scales: int) -> dict:
    """Batched snippets -> the model's inputs.

    Args:
      batch: `frames` float32 [B, S, H, W, 3] in [0, 1], `intrinsics` float32 [B, 3, 3], and
        the pass-through keys (`sequence`, `frame_index`, `gt_depth`, `gt_poses`).
      target_index: the middle frame, seq_length // 2.
      num_scales: pyramid levels.
    """
    images = unit_to_network_range(batch["frames"])
    seq_length = images.shape[1]
    inputs = {
        "target": images[:, target_index],
        "sources": tf.concat([images[:, i] for i in range(seq_length) if i != target_index], axis=-1),
        "intrinsics": intrinsics_pyramid(batch["intrinsics"], num_scales),
    }
    for key in ("sequence", "frame_index", "gt_depth", "gt_poses"):
        if key in batch:
            inputs[key] = batch[key]
    return inputs

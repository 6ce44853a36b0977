"""The `tf.data` input pipeline: TFRecord shards -> batches of target, sources and intrinsics.

Training order of operations (each step says why it sits where it does):
  shard list (shuffled each epoch, repeated) -> interleave over up to 64 shards (the
  builder writes contiguous runs of a sequence per shard, so reading many at once mixes
  sequences) -> shuffle of *serialized* records (small, and before the costly decode) ->
  running index (seeds the stateless augmentation) -> parse, decode, resize,
  augment -> batch -> intrinsics pyramid, target/sources split -> prefetch.

Iterator checkpoints (`tf.train.Checkpoint(iterator=iter(dataset))`) use tf.data's symbolic
checkpointing: the state is the shard position plus the shuffle buffer's serialized records, not
the decoded prefetch and map buffers, so its size is about `shuffle_buffer` × record size.
Symbolic checkpoints restore positions, not contents, so every stage must replay identically:
the shuffles are always seeded from `seed` and the parallel maps keep their order. The batches
are therefore a function of `seed` alone (TF 2.21 can save neither a non-deterministic parallel
map nor a parallel interleave safely in this mode).
"""

from typing import Optional

import tensorflow as tf

from sfmlearner_tf.config import DataConfig, ModelConfig
from sfmlearner_tf.data import augment, dataset_info, decode, shards
from sfmlearner_tf.geometry import intrinsics_pyramid

# Shards read at once while training, each through a read buffer of _READ_BUFFER_BYTES.
_MAX_OPEN_SHARDS = 64
_READ_BUFFER_BYTES = 256 * 1024


def make_dataset(
    dataset_dir: str,
    split: str,
    data_config: DataConfig,
    model_config: ModelConfig,
    num_scales: int = 4,
    training: bool = True,
    seed: int = 0,
    input_context: Optional[tf.distribute.InputContext] = None,
) -> tf.data.Dataset:
    """Batches of snippets from a dataset written by `data_prep.build_tfrecords`.

    Args:
      dataset_dir: folder with dataset.json and the TFRecord shards.
      split: split name in dataset.json (`train`, `val`, `test`).
      data_config: batch size, shuffle buffer, augmentation.
      model_config: the networks' height, width and seq_length (must equal the dataset's).
      num_scales: levels of the intrinsics pyramid.
      training: True: shuffled, augmented (if `data_config.augment`), repeated forever,
        incomplete batches dropped. False: one pass in file order, no augmentation.
      seed: seeds the shard and record shuffles and the augmentation (same seed, same batches).
      input_context: from `strategy.distribute_datasets_from_function`; this pipeline then
        reads its share of the shards (or of each shard's records when there are fewer shards
        than pipelines) and batches `input_context.get_per_replica_batch_size(batch_size)`.

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
      ValueError: the dataset's seq_length differs from the model's, or an unknown split.
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
    for path in paths:
        shards.check_shard_framing(path)

    batch_size = data_config.batch_size
    if input_context is not None:
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    records = _records(paths, training, seed, input_context)
    if training and data_config.shuffle_buffer > 1:
        records = records.shuffle(data_config.shuffle_buffer, seed=seed, reshuffle_each_iteration=True)

    decode_snippet = decode.make_decoder(info, model_config.height, model_config.width)
    if training and data_config.augment:

        def decode_and_augment(index, serialized):
            element_seed = tf.stack([tf.constant(seed, tf.int64), index])
            return augment.augment_snippet(decode_snippet(serialized), element_seed, data_config)

        # The running index seeds each snippet's augmentation. (A scan, not `enumerate`: tf.data
        # cannot restore a symbolic checkpoint of a zip that follows a shuffle.)
        indexed = records.scan(tf.constant(0, tf.int64), lambda count, record: (count + 1, (count, record)))
        snippets = indexed.map(decode_and_augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    else:
        snippets = records.map(decode_snippet, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)

    target_index = model_config.seq_length // 2
    batches = snippets.batch(batch_size, drop_remainder=training).map(
        lambda batch: _model_inputs(batch, target_index, num_scales),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    options = tf.data.Options()
    options.deterministic = True
    options.experimental_symbolic_checkpoint = True
    return batches.prefetch(tf.data.AUTOTUNE).with_options(options)


def _records(paths: list, training: bool, seed: int, input_context) -> tf.data.Dataset:
    """Serialized examples of this input pipeline's share of `paths` (string [])."""
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

    files = tf.data.Dataset.from_tensor_slices(paths)
    if not training:
        return files.flat_map(read)
    files = files.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True).repeat()
    # One thread reads round-robin from the open shards: reading is a copy out of a buffer,
    # cheap next to decoding (parallel below). A parallel interleave would also work, but in
    # TF 2.21 an iterator restored from a symbolic checkpoint then hangs when it is destroyed
    # after a shard has ended.
    return files.interleave(read, cycle_length=min(len(paths), _MAX_OPEN_SHARDS), block_length=1)


def _model_inputs(batch: dict, target_index: int, num_scales: int) -> dict:
    """Batched snippets -> the model's inputs.

    Args:
      batch: `frames` float32 [B, S, H, W, 3] in [0, 1], `intrinsics` float32 [B, 3, 3], and
        the pass-through keys (`sequence`, `frame_index`, `gt_depth`, `gt_poses`).
      target_index: the middle frame, seq_length // 2.
      num_scales: pyramid levels.
    """
    images = batch["frames"] * 2.0 - 1.0
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

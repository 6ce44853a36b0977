"""make_dataset: batch layout, frame order, intrinsics, resizing, determinism, the shuffle, resuming, sharding."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.config import DataConfig, ModelConfig
from sfmlearner_tf.data import make_dataset
from tests.data.fake_dataset import default_intrinsics, random_snippets, write_dataset

HEIGHT, WIDTH = 32, 96
MODEL = ModelConfig(height=HEIGHT, width=WIDTH)


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("ds"), random_snippets(10, HEIGHT, WIDTH), HEIGHT, WIDTH, num_shards=3)


def constant_snippets(count, height, width):
    """Frame j of snippet i is the constant colour (10·i + 60·j, 1, 2): order is readable off pixels."""
    snippets = []
    for i in range(count):
        frames = np.zeros([3, height, width, 3], np.uint8)
        for j in range(3):
            frames[j] = (10 * i + 60 * j, 1, 2)
        snippets.append({"frames": frames, "intrinsics": default_intrinsics(height, width)})
    return snippets


def test_training_batch_keys_shapes_dtypes_and_ranges(dataset_dir):
    batch = next(iter(make_dataset(dataset_dir, "train", DataConfig(batch_size=4), MODEL)))
    expected = {
        "target": ([4, HEIGHT, WIDTH, 3], tf.float32),
        "sources": ([4, HEIGHT, WIDTH, 6], tf.float32),
        "intrinsics": ([4, 4, 3, 3], tf.float32),
        "gt_depth": ([4, HEIGHT, WIDTH, 1], tf.float32),
        "gt_poses": ([4, 3, 3, 4], tf.float32),
        "sequence": ([4], tf.string),
        "frame_index": ([4], tf.int64),
    }
    assert set(batch) == set(expected)
    for key, (shape, dtype) in expected.items():
        assert batch[key].shape.as_list() == shape, key
        assert batch[key].dtype == dtype, key
    for key in ("target", "sources"):
        assert -1.0 <= float(tf.reduce_min(batch[key])) and float(tf.reduce_max(batch[key])) <= 1.0
    depth = batch["gt_depth"].numpy()
    assert depth.min() >= 1.0 and depth.max() <= 50.0


def test_target_is_middle_frame_and_sources_in_time_order(tmp_path):
    directory = write_dataset(tmp_path, constant_snippets(5, HEIGHT, WIDTH), HEIGHT, WIDTH, num_shards=2, with_gt=False)
    batches = list(make_dataset(directory, "train", DataConfig(batch_size=2), MODEL, training=False))
    assert [b["frame_index"].numpy().tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert "gt_depth" not in batches[0] and "gt_poses" not in batches[0]
    for batch in batches:
        for b, i in enumerate(batch["frame_index"].numpy()):
            red = lambda value: value / 127.5 - 1.0  # noqa: E731
            np.testing.assert_allclose(batch["target"][b, ..., 0], red(10 * i + 60), atol=1e-6)
            np.testing.assert_allclose(batch["sources"][b, ..., 0], red(10 * i), atol=1e-6)
            np.testing.assert_allclose(batch["sources"][b, ..., 3], red(10 * i + 120), atol=1e-6)
            np.testing.assert_allclose(batch["sources"][b, ..., 4], red(1), atol=1e-6)


def test_intrinsics_pyramid_follows_pixel_centres(dataset_dir):
    batch = next(iter(make_dataset(dataset_dir, "train", DataConfig(batch_size=2), MODEL, num_scales=3, training=False)))
    k = default_intrinsics(HEIGHT, WIDTH)
    assert batch["intrinsics"].shape == (2, 3, 3, 3)
    for s in range(3):
        expected = k.copy()
        expected[:2, :2] /= 2**s
        # The centre of the 2^s x 2^s block that becomes one pixel: c' = (c + 0.5) / 2^s - 0.5.
        expected[:2, 2] = (k[:2, 2] + 0.5) / 2**s - 0.5
        np.testing.assert_allclose(batch["intrinsics"][0, s], expected, rtol=1e-6)


def test_ground_truth_is_carried_unchanged_without_augmentation(tmp_path):
    snippets = random_snippets(2, HEIGHT, WIDTH, seed=5)
    directory = write_dataset(tmp_path, snippets, HEIGHT, WIDTH)
    batch = next(iter(make_dataset(directory, "train", DataConfig(batch_size=2), MODEL, training=False)))
    for i, snippet in enumerate(snippets):
        stored = snippet["depth"].astype(np.float16).astype(np.float32)  # the record keeps float16
        np.testing.assert_array_equal(batch["gt_depth"][i, ..., 0], stored)
        np.testing.assert_allclose(batch["gt_poses"][i], snippet["poses"], atol=1e-6)


def test_records_of_another_size_are_resized_and_k_scaled(tmp_path):
    directory = write_dataset(tmp_path, constant_snippets(2, 2 * HEIGHT, 2 * WIDTH), 2 * HEIGHT, 2 * WIDTH, with_gt=False)
    batch = next(iter(make_dataset(directory, "train", DataConfig(batch_size=2), MODEL, training=False)))
    assert batch["target"].shape == (2, HEIGHT, WIDTH, 3)
    np.testing.assert_allclose(batch["target"][0, ..., 0], 60 / 127.5 - 1, atol=1e-5)
    k = default_intrinsics(2 * HEIGHT, 2 * WIDTH)
    # Half-pixel-centred halving: f -> f/2, c -> (c + 0.5)/2 - 0.5.
    expected = np.array([[k[0, 0] / 2, 0, (k[0, 2] + 0.5) / 2 - 0.5], [0, k[1, 1] / 2, (k[1, 2] + 0.5) / 2 - 0.5], [0, 0, 1]])
    np.testing.assert_allclose(batch["intrinsics"][0, 0], expected, rtol=1e-6)


def take(dataset, count):
    return [tf.nest.map_structure(lambda t: t.numpy(), b) for b in dataset.take(count)]


def assert_same_batches(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_same_seed_repeats_batches_and_another_seed_changes_them(dataset_dir):
    config = DataConfig(batch_size=2)
    first = take(make_dataset(dataset_dir, "train", config, MODEL, seed=3), 7)
    assert_same_batches(first, take(make_dataset(dataset_dir, "train", config, MODEL, seed=3), 7))
    other = take(make_dataset(dataset_dir, "train", config, MODEL, seed=4), 7)
    assert not np.array_equal(first[0]["target"], other[0]["target"])


@pytest.fixture(scope="module")
def video_dir(tmp_path_factory):
    """A user's single video: 40 snippets in one shard, in time order."""
    return write_dataset(tmp_path_factory.mktemp("video"), random_snippets(40, 8, 8), 8, 8, num_shards=1,
                         with_gt=False)


def _frame_indices(directory, count, batch_size=4, **kwargs):
    config = DataConfig(batch_size=batch_size, augment=False)
    model = ModelConfig(height=8, width=8)
    batches = make_dataset(directory, "train", config, model, **kwargs).take(count // batch_size)
    return [int(i) for batch in batches for i in batch["frame_index"].numpy()]


def test_each_epoch_of_a_time_ordered_shard_is_a_full_shuffle(video_dir):
    indices = _frame_indices(video_dir, 80)
    first, second = indices[:40], indices[40:]
    assert sorted(first) == list(range(40)) and sorted(second) == list(range(40))
    assert first != second
    # A window shuffle keeps the time order (rank correlation ~0.99 with a 128-record buffer
    # over a long video); a uniform permutation of 40 is uncorrelated with it.
    assert abs(np.corrcoef(np.arange(40), first)[0, 1]) < 0.5
    # Every quarter of the epoch draws from the whole video, not from a window of it.
    assert max(first[:10]) - min(first[:10]) > 20


def test_a_resumed_stream_continues_the_same_permutation(video_dir):
    whole = _frame_indices(video_dir, 60, seed=7)
    resumed = _frame_indices(video_dir, 36, seed=7, start=24)
    assert resumed == whole[24:60]


def test_pipelines_split_each_epoch_between_them(video_dir):
    per_pipeline = []
    for pipeline in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=pipeline, num_replicas_in_sync=2)
        # Per-replica batches of 4 / 2: ten of them are this pipeline's half of the epoch.
        per_pipeline.append(_frame_indices(video_dir, 40, batch_size=4, input_context=context))
    epoch = per_pipeline[0] + per_pipeline[1]
    assert sorted(epoch) == list(range(40))


def test_input_context_shards_by_file_and_by_record(tmp_path):
    snippets = constant_snippets(8, HEIGHT, WIDTH)
    for num_shards in (4, 1):
        directory = write_dataset(tmp_path / f"s{num_shards}", snippets, HEIGHT, WIDTH, num_shards=num_shards, with_gt=False)
        seen = []
        for pipeline in range(2):
            context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=pipeline, num_replicas_in_sync=2)
            batches = list(make_dataset(directory, "train", DataConfig(batch_size=4), MODEL, training=False, input_context=context))
            assert all(b["target"].shape[0] <= 2 for b in batches)  # per-replica batch = 4 / 2
            seen.append({i for b in batches for i in b["frame_index"].numpy()})
        assert not seen[0] & seen[1] and seen[0] | seen[1] == set(range(8)), num_shards


def test_seq_length_mismatch_quotes_both(dataset_dir):
    with pytest.raises(ValueError, match=r"seq_length=3.*seq_length=5"):
        make_dataset(dataset_dir, "train", DataConfig(), ModelConfig(height=HEIGHT, width=WIDTH, seq_length=5))


def test_missing_dataset_json_and_missing_shard_name_the_path(tmp_path, dataset_dir):
    with pytest.raises(FileNotFoundError, match="dataset.json"):
        make_dataset(str(tmp_path), "train", DataConfig(), MODEL)
    with open(os.path.join(dataset_dir, "dataset.json")) as f:
        info = json.load(f)
    info["splits"]["train"]["shards"].append("train-gone.tfrecord")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "dataset.json").write_text(json.dumps(info))
    for name in info["splits"]["train"]["shards"][:-1]:
        os.symlink(os.path.join(dataset_dir, name), broken / name)
    with pytest.raises(FileNotFoundError, match="train-gone.tfrecord"):
        make_dataset(str(broken), "train", DataConfig(), MODEL)

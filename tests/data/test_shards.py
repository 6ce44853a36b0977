"""Broken shards give errors that name the file and the record, never a silent skip or a hang."""

import os
import shutil

import pytest
import tensorflow as tf

from sfmlearner_tf.config import DataConfig, ModelConfig
from sfmlearner_tf.data import CorruptShardError, make_dataset, shard_paths, verify_shards
from sfmlearner_tf.data.shards import RecordReader, record_layout
from tests.data.fake_dataset import random_snippets, write_dataset

HEIGHT, WIDTH = 32, 96
MODEL = ModelConfig(height=HEIGHT, width=WIDTH)


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("clean"), random_snippets(8, HEIGHT, WIDTH), HEIGHT, WIDTH, num_shards=2)


def broken_copy(clean_dir, tmp_path, damage):
    """A copy of the dataset whose second shard's bytes go through `damage(bytes) -> bytes`."""
    directory = shutil.copytree(clean_dir, tmp_path / "broken")
    path = shard_paths(str(directory), "train")[1]
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(damage(data))
    return str(directory), path, data


def record_offsets(data):
    """Byte offset of every record of a TFRecord file's content."""
    offsets, offset = [], 0
    while offset < len(data):
        offsets.append(offset)
        offset += 16 + int.from_bytes(data[offset : offset + 8], "little")
    return offsets


def test_verify_counts_records_of_a_clean_dataset(clean_dir):
    counts = verify_shards(clean_dir)
    assert sorted(counts.values()) == [4, 4]


def test_truncated_shard_names_file_and_record(clean_dir, tmp_path):
    directory, path, _ = broken_copy(clean_dir, tmp_path, lambda data: data[:-100])
    with pytest.raises(CorruptShardError, match=rf"{path}: record 3 .*truncated") as raised:
        make_dataset(directory, "train", DataConfig(batch_size=2), MODEL)
    assert raised.value.path == path and raised.value.record_index == 3
    with pytest.raises(CorruptShardError, match=path):
        verify_shards(directory, check_data=False)


def test_damaged_length_field_in_the_middle_names_file_and_record(clean_dir, tmp_path):
    def damage(data):
        offset = record_offsets(data)[2]
        return data[:offset] + bytes([data[offset] ^ 0x40]) + data[offset + 1 :]

    directory, path, _ = broken_copy(clean_dir, tmp_path, damage)
    with pytest.raises(CorruptShardError, match=rf"{path}: record 2 .*length field"):
        make_dataset(directory, "train", DataConfig(batch_size=2), MODEL, training=False)


def test_damaged_data_in_the_middle_is_named_by_verify_and_never_skipped(clean_dir, tmp_path):
    def damage(data):
        middle = record_offsets(data)[1] + 500  # inside record 1's data
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]

    directory, path, _ = broken_copy(clean_dir, tmp_path, damage)
    with pytest.raises(CorruptShardError, match=rf"{path}: record 1 fails its data CRC") as raised:
        verify_shards(directory, ["train"])
    assert raised.value.record_index == 1
    # The framing is intact, so the pipeline starts, and reading the record fails loudly.
    dataset = make_dataset(directory, "train", DataConfig(batch_size=2), MODEL, training=False)
    with pytest.raises(tf.errors.DataLossError):
        for _ in dataset:
            pass


def test_the_training_reader_reads_any_record_and_checks_its_crc(clean_dir, tmp_path):
    path = shard_paths(clean_dir, "train")[1]
    layout = record_layout(path)
    reader = RecordReader([path])
    expected = [record.numpy() for record in tf.data.TFRecordDataset(path)]
    # Any order: each read is a seek.
    assert [reader.read(0, i, layout.offsets[i]) for i in (3, 0, 2, 1)] == [expected[i] for i in (3, 0, 2, 1)]

    def damage(data):
        middle = record_offsets(data)[2] + 40  # inside record 2's data: a byte no decoder checks
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    _, broken, _ = broken_copy(clean_dir, tmp_path, damage)
    reader = RecordReader([broken])
    assert reader.read(0, 1, layout.offsets[1]) == expected[1]
    with pytest.raises(CorruptShardError, match=rf"{broken}: record 2 \(byte {layout.offsets[2] - 12}\) fails its data CRC"):
        reader.read(0, 2, layout.offsets[2])


def test_record_count_disagreeing_with_dataset_json_is_an_error(clean_dir, tmp_path):
    def drop_last_record(data):
        return data[: record_offsets(data)[-1]]

    directory, _, _ = broken_copy(clean_dir, tmp_path, drop_last_record)
    with pytest.raises(ValueError, match="7 records.*num_snippets=8"):
        verify_shards(directory, check_data=False)


def test_missing_shard_file_is_named(clean_dir, tmp_path):
    directory = shutil.copytree(clean_dir, tmp_path / "missing")
    path = shard_paths(str(directory), "train")[0]
    os.remove(path)
    with pytest.raises(FileNotFoundError, match=os.path.basename(path)):
        verify_shards(str(directory))

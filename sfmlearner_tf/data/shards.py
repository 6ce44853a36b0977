"""Integrity checks of TFRecord shards whose errors name the file and the record.

A TFRecord is `length (uint64 LE) | masked CRC32C of length (uint32) | data | masked CRC32C of data`.
tf.data reports a broken record as `DataLossError: corrupted record at <byte>` without the file
name, so the pipeline checks shards itself before reading them:

- the *framing* check walks the length headers only (12 bytes read per record, the data skipped
  with a seek), so it costs milliseconds even for a large split. It finds truncated shards (an
  interrupted copy or build) and damaged length fields, counts the records and gives where each
  one lies (`record_layout`), which the training pipeline reads them by.
- the *data* check additionally verifies every record's data CRC with TensorFlow's reader, i.e. one
  full read of the shards: `verify_shards(..., check_data=True)`, run by hand or after a build.

`RecordReader` reads one record anywhere in a shard by seeking to it, its data CRC checked: what
training reads with, so a record costs the same wherever it lies and damaged data stops training.
"""

import struct
import threading
from typing import NamedTuple, Optional, Sequence

import tensorflow as tf
# TensorFlow's own record reader, seek-based and CRC-checking (what `tf.data.TFRecordDataset` and
# `tf.compat.v1.io.tf_record_iterator` use in C++); no public API reads one record at an offset.
# tf.data's FixedLengthRecordDataset skips its header by reading through it (O(offset) per record)
# and does not check the record's CRC.
from tensorflow.python.lib.io import _pywrap_record_io

from sfmlearner_tf.data import dataset_info

_HEADER_BYTES = 12
_FOOTER_BYTES = 4
# The CRC-32C (Castagnoli) polynomial, bit-reversed, as TFRecord uses it.
_CRC32C_POLY = 0x82F63B78
_MASK_DELTA = 0xA282EAD8


def _crc32c_table() -> list:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (_CRC32C_POLY if crc & 1 else 0)
        table.append(crc)
    return table


_CRC32C_TABLE = _crc32c_table()


def _masked_crc32c(data: bytes) -> int:
    """The TFRecord checksum: CRC-32C rotated right by 15 bits plus a constant (mod 2^32).

    Pure Python, used on the 8-byte length fields only.
    """
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


class CorruptShardError(tf.errors.DataLossError):
    """A TFRecord shard that cannot be read; `path`, `record_index` and `offset` say where."""

    def __init__(self, path: str, record_index: int, offset: Optional[int], reason: str):
        self.path = path
        self.record_index = record_index
        self.offset = offset
        where = f"record {record_index}" + (f" (byte {offset})" if offset is not None else "")
        super().__init__(None, None, f"corrupt TFRecord shard {path}: {where} {reason}")


class RecordLayout(NamedTuple):
    """Where each record's data lies in a shard: byte `offsets` and `lengths` (int lists), file `size`."""

    offsets: list
    lengths: list
    size: int


def record_layout(path: str) -> RecordLayout:
    """Walks the record headers of one shard: where every record's data starts and how long it is.

    Raises:
      CorruptShardError: a record is cut short or its length field fails its checksum.
      FileNotFoundError: `path` does not exist.
    """
    if not tf.io.gfile.exists(path):
        raise FileNotFoundError(f"TFRecord shard {path} not found")
    size = tf.io.gfile.stat(path).length
    offsets, lengths = [], []
    offset = 0
    with tf.io.gfile.GFile(path, "rb") as f:
        while offset < size:
            count = len(offsets)
            header = f.read(_HEADER_BYTES)
            if len(header) < _HEADER_BYTES:
                raise CorruptShardError(
                    path, count, offset, f"is truncated: {size - offset} bytes left for a 12-byte header"
                )
            length_bytes, length_crc = header[:8], struct.unpack("<I", header[8:])[0]
            if _masked_crc32c(length_bytes) != length_crc:
                raise CorruptShardError(path, count, offset, "has a damaged length field (CRC mismatch)")
            length = struct.unpack("<Q", length_bytes)[0]
            end = offset + _HEADER_BYTES + length + _FOOTER_BYTES
            if end > size:
                raise CorruptShardError(
                    path, count, offset, f"is truncated: needs {end - offset} bytes, the file has {size - offset}"
                )
            offsets.append(offset + _HEADER_BYTES)
            lengths.append(length)
            f.seek(end)
            offset = end
    return RecordLayout(offsets, lengths, size)


class RecordReader:
    """`read(shard, index, offset) -> bytes`: the data of record `index` of `paths[shard]`, whose
    data starts at byte `offset` (a `record_layout` offset), read with one seek and its data CRC
    checked. Raises CorruptShardError naming the shard and record when the CRC fails.

    Safe to call from several threads at once (tf.data's parallel reads): each thread keeps its
    own open file per shard.
    """

    def __init__(self, paths: Sequence[str]):
        self.paths = list(paths)
        self._local = threading.local()

    def read(self, shard: int, index: int, offset: int) -> bytes:
        readers = self._local.__dict__.setdefault("readers", {})
        if shard not in readers:
            readers[shard] = _pywrap_record_io.RandomRecordReader(self.paths[shard])
        try:
            data, _ = readers[shard].read(offset - _HEADER_BYTES)
        except tf.errors.DataLossError:
            raise CorruptShardError(self.paths[shard], index, offset - _HEADER_BYTES,
                                    "fails its data CRC") from None
        return data


def check_shard_framing(path: str) -> int:
    """Walks the record headers of one shard (see `record_layout`); returns its number of records."""
    return len(record_layout(path).offsets)


def check_shard_data(path: str) -> int:
    """Reads every record of one shard with TensorFlow's reader (data CRCs included).

    Returns the number of records. Raises CorruptShardError naming the first unreadable record.
    """
    records = tf.data.TFRecordDataset(path)
    try:
        return int(records.reduce(tf.constant(0, tf.int64), lambda count, _: count + 1))
    except tf.errors.DataLossError:
        # Rare path: find the first bad record by reading one record at a time.
        index = _readable_records(path)
        raise CorruptShardError(path, index, None, "fails its data CRC or is cut short") from None


def _readable_records(path: str) -> int:
    """How many records from the start of `path` read cleanly (the index of the first bad one)."""
    count = 0
    try:
        for _ in tf.data.TFRecordDataset(path):
            count += 1
    except tf.errors.DataLossError:
        pass
    return count


def verify_shards(
    dataset_dir: str, splits: Optional[Sequence[str]] = None, check_data: bool = True
) -> dict[str, int]:
    """Checks the shards of `splits` (default: all splits in dataset.json).

    Args:
      dataset_dir: a folder written by `data_prep.build_tfrecords`.
      splits: split names; None checks every split.
      check_data: also verify every record's data CRC (one full read); False checks framing only.

    Returns:
      {shard path: number of records}.

    Raises:
      CorruptShardError naming the shard and record; FileNotFoundError for a missing dataset.json
      or shard; ValueError when a split's record count differs from dataset.json's num_snippets.
    """
    info = dataset_info.read_dataset_info(dataset_dir)
    counts = {}
    for split in splits if splits is not None else sorted(info["splits"]):
        split_counts = {path: check_shard_framing(path) for path in dataset_info.shard_paths(dataset_dir, split)}
        if check_data:
            split_counts = {path: check_shard_data(path) for path in split_counts}
        expected = info["splits"][split].get("num_snippets")
        if expected is not None and sum(split_counts.values()) != expected:
            raise ValueError(
                f"split {split!r} of {dataset_dir!r} holds {sum(split_counts.values())} records, "
                f"dataset.json says num_snippets={expected}"
            )
        counts.update(split_counts)
    return counts

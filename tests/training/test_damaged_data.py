"""A record damaged in the middle of a shard (framing intact, data wrong) during training."""

import shutil

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.data import shard_paths
from tests.training.tiny_runs import run_python, tiny_flags


def _record_span(data: bytes, index: int) -> tuple[int, int]:
    """[start, end) of record `index`'s data in a shard's bytes."""
    offset = 0
    for _ in range(index):
        offset += 16 + int.from_bytes(data[offset : offset + 8], "little")
    return offset + 12, offset + 12 + int.from_bytes(data[offset : offset + 8], "little")


def _damage_record(path: str, index: int) -> None:
    """Overwrites the PNG signature of every frame in record `index`'s data (the bytes of a damaged
    disk block); the record's length field stays valid, its data CRC does not."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    start, end = _record_span(data, index)
    signature = b"\x89PNG\r\n\x1a\n"
    position = data.find(signature, start, end)
    assert position >= 0
    while 0 <= position < end:
        data[position : position + len(signature)] = bytes(len(signature))
        position = data.find(signature, position, end)
    with open(path, "wb") as f:
        f.write(bytes(data))


def _flip_intrinsics_byte(path: str, index: int) -> None:
    """Flips one bit of fx in record `index`: a valid PNG and a plausible K, but not the bytes written.
    Only the record's data CRC can tell."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    start, end = _record_span(data, index)
    example = tf.train.Example.FromString(bytes(data[start:end]))
    packed = np.asarray(example.features.feature["intrinsics"].float_list.value, "<f4").tobytes()
    position = data.find(packed, start, end)
    assert position >= 0
    data[position + 1] ^= 0x01  # fx's second byte: fx changes by about 1e-5 of itself
    with open(path, "wb") as f:
        f.write(bytes(data))


@pytest.mark.parametrize("damage", [_damage_record, _flip_intrinsics_byte], ids=["png", "intrinsics"])
def test_training_stops_naming_the_shard_and_record_and_keeps_the_checkpoint(tiny_dataset, tmp_path, damage):
    dataset = tmp_path / "records"
    shutil.copytree(tiny_dataset, dataset)
    run_dir = tmp_path / "run"
    first = run_python(["-m", "sfmlearner_tf.train", *tiny_flags(dataset, run_dir, max_steps=2, save_every=2)],
                       timeout=400)
    assert first.returncode == 0, first.stderr[-3000:]
    saved = tf.train.latest_checkpoint(str(run_dir))

    shard = shard_paths(str(dataset), "train")[1]
    damage(shard, 5)
    # Long enough to read every record: the 16 training snippets in batches of 2.
    second = run_python(["-m", "sfmlearner_tf.train", *tiny_flags(dataset, run_dir, max_steps=40, save_every=1)],
                        timeout=400)
    assert second.returncode == 4, second.stderr[-3000:]
    errors = [line for line in second.stderr.splitlines() if line.startswith("train: error:")]
    assert len(errors) == 1
    assert f"corrupt TFRecord shard {shard}: record 5" in errors[0]
    assert "data_prep.verify_tfrecords" in errors[0] and "Traceback" not in second.stderr
    # Nothing after the damaged batch was saved over the last good checkpoint... except the
    # steps before it, each saved as it finished (save_every=1); the newest is a finished step.
    latest = tf.train.latest_checkpoint(str(run_dir))
    stopped = int(errors[0].split("reading the batch of step ")[1].split(")")[0])
    assert int(latest.rsplit("-", 1)[1]) == stopped - 1 and int(saved.rsplit("-", 1)[1]) == 2

    verified = run_python(["-m", "data_prep.verify_tfrecords", f"--dataset_dir={dataset}"], timeout=200)
    assert verified.returncode == 1
    assert verified.stderr.strip().splitlines()[-1].startswith(f"error: corrupt TFRecord shard {shard}: record 5")


def test_verify_reports_a_clean_dataset(tiny_dataset):
    verified = run_python(["-m", "data_prep.verify_tfrecords", f"--dataset_dir={tiny_dataset}"], timeout=200)
    assert verified.returncode == 0, verified.stderr[-2000:]
    assert "train: 2 shards, 16 records, framing and data CRCs OK" in verified.stdout
    assert "val: 1 shards, 4 records" in verified.stdout

"""Snippet formation, the train/val split, intrinsics scaling and shard sizes: known answers."""

import numpy as np
import pytest

from data_prep import snippets
from data_prep.readers.base import Sequence
from data_prep.writer import shard_count


def test_every_frame_with_both_neighbours_is_a_target():
    positions = snippets.snippet_positions(np.arange(6), seq_length=3, frame_stride=1)
    np.testing.assert_array_equal(positions, [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]])


def test_stride_and_length_five():
    positions = snippets.snippet_positions(np.arange(10), seq_length=5, frame_stride=2)
    np.testing.assert_array_equal(positions, [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]])


def test_snippets_never_span_a_gap():
    # Frames 3 and 4 were removed (static): 0 1 2 | 5 6 7 8.
    ids = np.array([0, 1, 2, 5, 6, 7, 8])
    positions = snippets.snippet_positions(ids, seq_length=3, frame_stride=1)
    np.testing.assert_array_equal(ids[positions], [[0, 1, 2], [5, 6, 7], [6, 7, 8]])


def test_short_sequence_gives_no_snippet():
    assert snippets.snippet_positions(np.arange(4), 5, 1).shape == (0, 5)


@pytest.mark.parametrize("seq_length,stride", [(4, 1), (1, 1), (3, 0)])
def test_bad_snippet_shape_is_rejected(seq_length, stride):
    with pytest.raises(ValueError, match="seq_length|frame_stride"):
        snippets.snippet_positions(np.arange(10), seq_length, stride)


def _sequence(name, group=""):
    return Sequence(name=name, frames=["a.png"], frame_ids=[0], intrinsics=np.eye(3), group=group)


def test_split_is_by_whole_groups_and_seeded():
    sequences = [_sequence(f"d{i}_{cam}", group=f"d{i}") for i in range(10) for cam in ("02", "03")]
    splits = snippets.assign_splits(sequences, val_fraction=0.2, seed=3)
    val_groups = {s.group for s in splits["val"]}
    assert len(val_groups) == 2 and len(splits["val"]) == 4
    assert not val_groups & {s.group for s in splits["train"]}
    again = snippets.assign_splits(sequences, val_fraction=0.2, seed=3)
    assert [s.name for s in again["val"]] == [s.name for s in splits["val"]]


def test_single_sequence_is_all_train_and_split_override():
    assert list(snippets.assign_splits([_sequence("a")], 0.5, 0)) == ["train"]
    overridden = snippets.assign_splits([_sequence("a"), _sequence("b")], 0.5, 0, split="test")
    assert list(overridden) == ["test"] and len(overridden["test"]) == 2


def test_shard_count():
    assert shard_count(2500, snippets_per_shard=1000) == 3
    assert shard_count(3, num_shards=8) == 3
    assert shard_count(0) == 1

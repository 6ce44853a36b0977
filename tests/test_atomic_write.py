"""atomic_write: round trips, replacement, no temporary left behind, remote paths via tf.io.gfile."""

import subprocess
import sys

import pytest

from sfmlearner_tf import atomic_write


def test_text_round_trip_creates_the_directory_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a" / "b" / "report.json"
    atomic_write.write_text(str(path), '{"abs_rel": 0.183, "name": "dépôt"}')
    assert path.read_text(encoding="utf-8") == '{"abs_rel": 0.183, "name": "dépôt"}'
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.json"]


def test_bytes_replace_an_existing_file(tmp_path):
    path = tmp_path / "model.tflite"
    path.write_bytes(b"old contents, longer than the new ones")
    atomic_write.write_bytes(str(path), b"\x00\x01new")
    assert path.read_bytes() == b"\x00\x01new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.tflite"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    path = tmp_path / "poses.txt"
    path.write_text("old")
    with pytest.raises(TypeError):
        atomic_write.write_bytes(str(path), "not bytes")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poses.txt"]


def test_local_writes_do_not_import_tensorflow(tmp_path):
    # Numpy-only modules (trajectory_io, image_io) write through this helper.
    code = (
        "import sys; from sfmlearner_tf import atomic_write; "
        f"atomic_write.write_text({str(tmp_path / 'x.txt')!r}, 'x'); "
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "x.txt").read_text() == "x"


def test_paths_with_a_scheme_go_through_gfile():
    tf = pytest.importorskip("tensorflow")
    path = "ram://atomic_write_test/run/config.json"
    atomic_write.write_text(path, "first")
    atomic_write.write_text(path, "second")
    with tf.io.gfile.GFile(path) as f:
        assert f.read() == "second"
    assert not tf.io.gfile.exists(path + ".tmp")

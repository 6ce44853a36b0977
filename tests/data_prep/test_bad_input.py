"""Bad input gives an error that names the file (never a silent skip).

The command line turns these into one `error: ...` line (tested in test_build.py).
"""

import os
import re

import numpy as np
import pytest

from data_prep import build_lib, readers
from tests.data_prep import fake_datasets

OPTIONS = build_lib.BuildOptions(height=16, width=48)


def _build(dataset_format, source_dir, output_dir, **reader_options):
    sequences = readers.read_sequences(dataset_format, str(source_dir), **reader_options)
    return build_lib.build_dataset(sequences, str(output_dir), dataset_format, OPTIONS, show_progress=False)


@pytest.mark.parametrize("dataset_format", readers.FORMATS)
def test_missing_folder_names_it(tmp_path, dataset_format):
    missing = str(tmp_path / "nowhere")
    intrinsics = np.eye(3) if dataset_format in ("frames", "tum") else None
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        readers.read_sequences(dataset_format, missing, intrinsics=intrinsics)


def test_frames_of_different_sizes_name_the_file(tmp_path):
    fake_datasets.write_synthetic_world(tmp_path / "world", num_sequences=1, num_frames=4)
    odd = str(tmp_path / "world" / "seq_000" / "image" / "000002.png")
    fake_datasets.write_image(odd, np.zeros((30, 64, 3)))
    with pytest.raises(ValueError, match=re.escape(odd) + ".*30x64.*48x64"):
        _build("synthetic", tmp_path / "world", tmp_path / "out")
    assert not os.path.exists(tmp_path / "out") and not os.path.exists(tmp_path / "out.tmp")


def test_unreadable_image_names_the_file(tmp_path):
    fake_datasets.write_synthetic_world(tmp_path / "world", num_sequences=1, num_frames=4)
    broken = tmp_path / "world" / "seq_000" / "image" / "000003.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(ValueError, match=f"cannot read image {re.escape(str(broken))}"):
        _build("synthetic", tmp_path / "world", tmp_path / "out")


def test_calib_without_the_camera_matrix_names_the_file(tmp_path):
    root = fake_datasets.write_kitti_odom(str(tmp_path / "odom"), calib_keys=("P0", "P1"), camera="image_2")
    calib = os.path.join(root, "sequences", "00", "calib.txt")
    with pytest.raises(ValueError, match=f"{re.escape(calib)} has no P2 matrix"):
        readers.read_sequences("kitti_odom", root)


def test_tum_without_groundtruth_names_the_file(tmp_path):
    folder = tmp_path / "rgbd_dataset_freiburg1_xyz"
    folder.mkdir()
    (folder / "rgb.txt").write_text("1.0 rgb/1.png\n")
    (folder / "depth.txt").write_text("1.0 depth/1.png\n")
    with pytest.raises(FileNotFoundError, match=re.escape(str(folder / "groundtruth.txt"))):
        readers.read_sequences("tum", str(folder))


def test_bad_list_line_names_file_and_line(tmp_path):
    fake_datasets.write_kitti_odom(str(tmp_path / "odom"))
    poses = tmp_path / "odom" / "poses"
    poses.mkdir()
    (poses / "00.txt").write_text("1 0 0 0 0 1 0 0 0 0 1 0\n1 0 0 0 0 1 0\n")
    with pytest.raises(ValueError, match=re.escape(str(poses / "00.txt")) + ":2: expected 12 numbers"):
        readers.read_sequences("kitti_odom", str(tmp_path / "odom"))


def test_undecodable_video_names_the_file(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not a video")
    # Without ffmpeg on PATH the error says so; with it, ffmpeg's failure is reported. Both name the file.
    with pytest.raises((FileNotFoundError, ValueError), match=re.escape(str(video))):
        readers.read_sequences("frames", str(video), intrinsics=np.eye(3), scratch_dir=str(tmp_path / "scratch"))

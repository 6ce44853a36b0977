"""KITTI raw and Cityscapes readers on tiny fake trees in their published layouts."""

import json
import os

import numpy as np
import pytest

from data_prep import build_lib, readers
from tests.data_prep import fake_datasets

CALIB = """calib_time: 09-Jan-2012 13:57:47
P_rect_02: 7.215377e+02 0.000000e+00 6.095593e+02 4.485728e+01 0.000000e+00 7.215377e+02 1.728540e+02 2.163791e-01 0.000000e+00 0.000000e+00 1.000000e+00 2.745884e-03
P_rect_03: 7.215377e+02 0.000000e+00 6.095593e+02 -3.395242e+02 0.000000e+00 7.215377e+02 1.728540e+02 2.199936e+00 0.000000e+00 0.000000e+00 1.000000e+00 2.729905e-03
"""


def _write_kitti_raw(root, drives=(1, 2), num_frames=8, speeds=None):
    date_dir = os.path.join(root, "2011_09_26")
    os.makedirs(date_dir, exist_ok=True)
    with open(os.path.join(date_dir, "calib_cam_to_cam.txt"), "w") as f:
        f.write(CALIB)
    for drive in drives:
        drive_dir = os.path.join(date_dir, f"2011_09_26_drive_{drive:04d}_sync")
        for i in range(num_frames):
            for camera in ("02", "03"):
                fake_datasets.write_image(os.path.join(drive_dir, f"image_{camera}", "data", f"{i:010d}.png"),
                                          np.full((12, 40, 3), i))
            oxts = np.zeros(30)
            oxts[8] = 5.0 if speeds is None else speeds[i]
            os.makedirs(os.path.join(drive_dir, "oxts", "data"), exist_ok=True)
            np.savetxt(os.path.join(drive_dir, "oxts", "data", f"{i:010d}.txt"), oxts[None])
    return root


def test_kitti_raw_cameras_intrinsics_and_exclusion(tmp_path):
    root = _write_kitti_raw(str(tmp_path / "raw"), drives=(1, 2, 3))
    exclude = tmp_path / "eigen_test_files.txt"
    exclude.write_text("2011_09_26/2011_09_26_drive_0002_sync 0000000069.png l\n\n2011_09_26_drive_0003\n")
    sequences = readers.read_sequences("kitti_raw", root, exclude_list=str(exclude))
    assert [s.name for s in sequences] == ["2011_09_26_drive_0001_sync_02", "2011_09_26_drive_0001_sync_03"]
    np.testing.assert_allclose(sequences[1].intrinsics[0], [721.5377, 0, 609.5593])
    assert {s.group for s in sequences} == {"2011_09_26_drive_0001_sync"}


def test_kitti_raw_static_frames_break_snippets(tmp_path):
    speeds = [5, 5, 5, 0.1, 5, 5, 5, 5]
    root = _write_kitti_raw(str(tmp_path / "raw"), drives=(1,), speeds=speeds)
    static_list = tmp_path / "static_frames.txt"
    static_list.write_text("2011_09_26 2011_09_26_drive_0001_sync 0000000006\n")
    sequences = readers.read_sequences("kitti_raw", root, kitti_camera="02", static_speed_threshold=1.0,
                                       static_frames_file=str(static_list))
    (sequence,) = sequences
    np.testing.assert_array_equal(sequence.frame_ids, [0, 1, 2, 4, 5, 7])
    info = build_lib.build_dataset(sequences, str(tmp_path / "out"), "kitti_raw",
                                   build_lib.BuildOptions(height=8, width=24), show_progress=False)
    # Kept ids 0 1 2 | 4 5 | 7: the only run of 3 consecutive frames is 0-1-2 (target 1).
    records = fake_datasets.read_records(str(tmp_path / "out"))
    assert info["splits"]["train"]["num_snippets"] == 1 and int(records[0]["frame_index"][0]) == 1


def test_kitti_raw_threshold_without_oxts_names_the_folder(tmp_path):
    root = _write_kitti_raw(str(tmp_path / "raw"), drives=(1,))
    oxts = os.path.join(root, "2011_09_26", "2011_09_26_drive_0001_sync", "oxts", "data")
    for name in os.listdir(oxts):
        os.remove(os.path.join(oxts, name))
    os.rmdir(oxts)
    with pytest.raises(FileNotFoundError, match=oxts):
        readers.read_sequences("kitti_raw", root, static_speed_threshold=1.0)


def test_cityscapes_crops_the_bonnet_and_keeps_principal_point(tmp_path):
    root = tmp_path / "cityscapes"
    image = np.zeros((40, 80, 3))
    image[30:] = 255  # the "bonnet": the bottom quarter
    for frame in (17, 18, 19, 20):
        fake_datasets.write_image(
            str(root / "leftImg8bit_sequence" / "train" / "aachen" / f"aachen_000001_{frame:06d}_leftImg8bit.png"),
            image)
    camera_dir = root / "camera" / "train" / "aachen"
    camera_dir.mkdir(parents=True)
    intrinsic = {"fx": 100.0, "fy": 110.0, "u0": 40.0, "v0": 20.0}
    (camera_dir / "aachen_000001_000019_camera.json").write_text(json.dumps({"intrinsic": intrinsic}))
    sequences = readers.read_sequences("cityscapes", str(root))
    assert [s.name for s in sequences] == ["aachen_000001"]
    np.testing.assert_array_equal(sequences[0].frame_ids, [17, 18, 19, 20])
    info = build_lib.build_dataset(sequences, str(tmp_path / "out"), "cityscapes",
                                   build_lib.BuildOptions(height=15, width=40), show_progress=False)
    assert info["splits"]["train"]["num_snippets"] == 2
    record = fake_datasets.read_records(str(tmp_path / "out"))[0]
    assert fake_datasets.decode_image(record["image/0"][0]).max() == 0  # no bonnet left
    # Rows [0, 30) kept and resized to 15: y scales by 1/2, x by 1/2, c' = (c + 0.5) / 2 - 0.5.
    np.testing.assert_allclose(record["intrinsics"].reshape(3, 3), [[50, 0, 19.75], [0, 55, 9.75], [0, 0, 1]])

"""Velodyne -> camera projection with a synthetic calibration, and the Eigen test-list formats."""

import os

import numpy as np
import pytest

from sfmlearner_tf.evaluation import kitti

# Velodyne frame: x forward, y left, z up. Camera: x right, y down, z forward.
VELO_TO_CAM_R = [0, -1, 0, 0, 0, -1, 1, 0, 0]
VELO_TO_CAM_T = [0.1, 0.0, 0.2]


def _write_calibration(folder):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "calib_velo_to_cam.txt"), "w") as f:
        f.write("calib_time: 15-Mar-2012 11:37:16\n")
        f.write("R: " + " ".join(map(str, VELO_TO_CAM_R)) + "\n")
        f.write("T: " + " ".join(map(str, VELO_TO_CAM_T)) + "\n")
    with open(os.path.join(folder, "calib_cam_to_cam.txt"), "w") as f:
        f.write("calib_time: 09-Jan-2012 13:57:47\n")
        f.write("R_rect_00: 1 0 0 0 1 0 0 0 1\n")
        # fx = fy = 100, cx = 50.3, cy = 20.6; the 4th column (baseline term) is 0 for camera 2 here.
        f.write("P_rect_02: 100 0 50.3 0 0 100 20.6 0 0 0 1 0\n")


def test_projection_of_hand_computed_points(tmp_path):
    _write_calibration(str(tmp_path))
    points = np.array(
        [
            [10.0, 0.0, 0.0, 0.5],    # cam (0.1, 0, 10.2): u = 10/10.2 + 50.3 = 51.28, v = 20.6
            [20.0, 0.0, 0.0, 0.5],    # cam (0.1, 0, 20.2): u = 50.80, v = 20.6 -> same pixel, farther
            [10.0, -1.0, 0.5, 0.5],   # cam (1.1, -0.5, 10.2): u = 61.08, v = 15.70
            [-5.0, 0.0, 0.0, 0.5],    # behind the sensor (x <= 0): dropped
            [1.0, -10.0, 0.0, 0.5],   # u = 100 * 10.1 / 1.2 + 50.3, outside the image: dropped
        ],
        np.float32,
    )
    matrix = kitti.velodyne_to_image_matrix(str(tmp_path), camera=2)
    depth = kitti.project_velodyne(points, matrix, height=40, width=100)
    # Rounded, then the reference's -1: (51, 21) -> column 50, row 20; (61, 16) -> column 60, row 15.
    expected = np.zeros((40, 100), np.float32)
    expected[20, 50] = 10.2  # nearest of the two points on this pixel
    expected[15, 60] = 10.2
    np.testing.assert_allclose(depth, expected, rtol=1e-6)

    geometric = kitti.project_velodyne(points, matrix, 40, 100, one_based_offset=False)
    assert geometric[21, 51] == pytest.approx(10.2) and geometric[16, 61] == pytest.approx(10.2)


def test_generate_depth_map_reads_scan_files(tmp_path):
    _write_calibration(str(tmp_path))
    scan = tmp_path / "0000000000.bin"
    np.array([[10.0, 0.0, 0.0, 1.0]], np.float32).tofile(scan)
    depth = kitti.generate_depth_map(str(tmp_path), str(scan), 40, 100)
    assert depth.shape == (40, 100) and np.count_nonzero(depth) == 1 and depth[20, 50] == pytest.approx(10.2)


def test_missing_calibration_entry_is_named(tmp_path):
    _write_calibration(str(tmp_path))
    (tmp_path / "calib_cam_to_cam.txt").write_text("R_rect_00: 1 0 0 0 1 0 0 0 1\n")
    with pytest.raises(ValueError, match="P_rect_02"):
        kitti.velodyne_to_image_matrix(str(tmp_path))


@pytest.mark.parametrize(
    "line",
    [
        "2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png",
        "2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png "
        "2011_09_26/2011_09_26_drive_0002_sync/image_03/data/0000000069.png",
        "2011_09_26/2011_09_26_drive_0002_sync 69 l",
    ],
)
def test_test_list_formats(line):
    sample = kitti.parse_test_line(line, "/raw")
    drive = "/raw/2011_09_26/2011_09_26_drive_0002_sync"
    assert sample.image_path == f"{drive}/image_02/data/0000000069.png"
    assert sample.velodyne_path == f"{drive}/velodyne_points/data/0000000069.bin"
    assert sample.calib_dir == "/raw/2011_09_26" and sample.camera == 2


def test_bad_test_list_line_names_the_line(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("2011_09_26/2011_09_26_drive_0002_sync 69 l\nnonsense\n")
    with pytest.raises(ValueError, match="list.txt:2"):
        kitti.read_test_file_list(str(path), "/raw")

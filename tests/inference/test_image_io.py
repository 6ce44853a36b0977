"""The channel policy of the image reader and the depth writers."""

import numpy as np
import pytest
from PIL import Image

from sfmlearner_tf.inference import image_io


def test_grayscale_is_replicated_and_rgba_loses_alpha(tmp_path):
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    Image.fromarray(gray).save(tmp_path / "g.png")
    rgb = image_io.read_rgb(str(tmp_path / "g.png"))
    assert rgb.shape == (3, 4, 3) and np.array_equal(rgb[..., 2], gray)

    rgba = np.zeros((3, 4, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 7
    Image.fromarray(rgba).save(tmp_path / "a.png")
    assert np.array_equal(image_io.read_rgb(str(tmp_path / "a.png"))[..., 0], np.full((3, 4), 200))


def test_two_channel_and_corrupt_images_fail_naming_the_file(tmp_path):
    Image.fromarray(np.zeros((3, 4, 2), np.uint8), "LA").save(tmp_path / "la.png")
    with pytest.raises(ValueError, match="la.png.*LA"):
        image_io.read_rgb(str(tmp_path / "la.png"))
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="broken.png"):
        image_io.read_rgb(str(tmp_path / "broken.png"))


def test_empty_folder_fails(tmp_path):
    with pytest.raises(ValueError, match="no image"):
        image_io.list_images(str(tmp_path))


def test_depth_png_round_trip_at_kitti_scale(tmp_path):
    depth = np.array([[0.0, 1.5], [80.0, 300.0]], np.float32)
    image_io.write_depth_png(str(tmp_path / "d.png"), depth)
    with Image.open(tmp_path / "d.png") as image:
        assert image.mode == "I;16"
    read = image_io.read_depth_png(str(tmp_path / "d.png"))
    np.testing.assert_allclose(read, [[0.0, 1.5], [80.0, 65535 / 256]])  # 300 m saturates


def test_colorize_is_uint8_rgb_and_near_is_brighter():
    depth = np.linspace(1, 50, 60, dtype=np.float32).reshape(6, 10)
    color = image_io.colorize_depth(depth)
    assert color.shape == (6, 10, 3) and color.dtype == np.uint8
    assert color[0, 0].sum() > color[-1, -1].sum()


def test_resize_bilinear_keeps_constant_depth():
    resized = image_io.resize_bilinear(np.full((8, 12), 3.0, np.float32), 20, 30)
    assert resized.shape == (20, 30) and np.allclose(resized, 3.0)

"""The device runtime: runs in an environment without TensorFlow, writes 16-bit and colour PNGs."""

import os
import pathlib
import subprocess

import numpy as np
import pytest
from PIL import Image

from export import lite_runtime

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
RUNTIME_PYTHON = REPO_ROOT / ".venv-runtime" / "bin" / "python"


def _runtime_python() -> pathlib.Path:
    if not RUNTIME_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{RUNTIME_PYTHON} is missing on CI (make runtime-venv)")
        pytest.skip(f"{RUNTIME_PYTHON} missing: run `make runtime-venv`")
    return RUNTIME_PYTHON


def test_runtime_without_tensorflow(tflite_file, synthetic_frames, tmp_path):
    python = _runtime_python()
    path, _ = tflite_file("int8")
    frames_dir = tmp_path / "frames"
    frames_dir.mkdir()
    images = synthetic_frames[0]
    for i in range(3):
        # A larger frame than the model's 32x96: the runtime resizes.
        Image.fromarray(images[i]).resize((192, 64)).save(frames_dir / f"{i:06d}.png")
    output_dir = tmp_path / "out"
    # The script is copied alone, as onto a device: it must not need the repository either.
    script = tmp_path / "lite_runtime.py"
    script.write_text(pathlib.Path(lite_runtime.__file__).read_text())
    check = (
        "import runpy, sys; sys.argv = sys.argv[1:]; "
        "runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    guard = "import sys; sys.modules['tensorflow'] = None; " + check
    result = subprocess.run(
        [str(python), "-c", guard, str(script), f"--model={path}", f"--input={frames_dir}",
         f"--output_dir={output_dir}", "--num_threads=1"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "3 frame(s), median latency" in result.stdout
    depth = np.asarray(Image.open(output_dir / "000001_depth.png"))
    colour = np.asarray(Image.open(output_dir / "000001_color.png"))
    assert depth.dtype == np.uint16 and depth.shape == (32, 96)
    assert colour.dtype == np.uint8 and colour.shape == (32, 96, 3)
    # The PNG is the in-process prediction (depth * 256) of the same resized frame.
    model = lite_runtime.LiteDepthModel(path, num_threads=1)
    expected, _ = model(np.asarray(Image.open(frames_dir / "000001.png")))
    np.testing.assert_allclose(depth / 256.0, expected, atol=1 / 256.0)


def test_quantized_output_is_dequantized(tflite_file, synthetic_frames):
    """The same numbers whatever the output encoding: int8 raw + (scale, zero point) or float."""
    path, _ = tflite_file("int8")
    model = lite_runtime.LiteDepthModel(path, num_threads=1)
    depth, disparity = model(synthetic_frames[0][18])
    np.testing.assert_allclose(depth * disparity, 1.0, rtol=1e-5)
    output = dict(model._output)
    model._output = dict(output, dtype=np.int8, quantization=(0.5, 3))
    model.interpreter.get_tensor = lambda index: np.full([1, 32, 96, 1], 7, np.int8)
    np.testing.assert_allclose(model._logits(), 2.0)


def test_stream_and_errors(tflite_file, tmp_path):
    path, _ = tflite_file("int8")
    model = lite_runtime.LiteDepthModel(path, num_threads=1)
    frames = (np.full([40, 120, 3], v, np.uint8) for v in (0, 128, 255))
    results = list(lite_runtime.depth_stream(model, frames))
    assert len(results) == 3 and all(f.shape == (40, 120, 3) and d.shape == (32, 96) and ms > 0
                                     for f, d, _, ms in results)
    with pytest.raises(FileNotFoundError, match="nope"):
        lite_runtime.LiteDepthModel(str(tmp_path / "nope.tflite"))
    with pytest.raises(FileNotFoundError, match="no .png"):
        lite_runtime.list_images(str(tmp_path))


def test_frames_are_read_one_at_a_time(tflite_file, synthetic_frames, tmp_path, monkeypatch):
    """A long sequence is streamed: when frame k is written, only k frames have been read."""
    path, _ = tflite_file("float32")
    frames_dir = tmp_path / "frames"
    frames_dir.mkdir()
    for i in range(4):
        Image.fromarray(synthetic_frames[0][i]).save(frames_dir / f"{i:06d}.png")
    reads, reads_when_saved = [], []
    read_frame, save_outputs = lite_runtime.read_frame, lite_runtime.save_outputs
    monkeypatch.setattr(lite_runtime, "read_frame", lambda p: reads.append(p) or read_frame(p))
    monkeypatch.setattr(lite_runtime, "save_outputs",
                        lambda *args: reads_when_saved.append(len(reads)) or save_outputs(*args))
    assert lite_runtime.main([f"--model={path}", f"--input={frames_dir}", f"--output_dir={tmp_path / 'out'}",
                              "--num_threads=1"]) == 0
    assert reads_when_saved == [1, 2, 3, 4]


def test_network_intrinsics_follow_the_projects_resize_rule():
    from sfmlearner_tf.geometry import resize_intrinsics

    frame_k = np.array([[517.3, 0, 318.6], [0, 516.5, 255.3], [0, 0, 1]])
    expected = resize_intrinsics(frame_k, 160 / 640, 128 / 480).numpy()
    got = lite_runtime.network_intrinsics("517.3,516.5,318.6,255.3", (640, 480), (160, 128))
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="4 numbers fx,fy,cx,cy, got '1,2'"):
        lite_runtime.network_intrinsics("1,2", (640, 480), (160, 128))


def test_metres_from_the_camera_height(monkeypatch, tmp_path, capsys):
    from tests.evaluation.builders import STREET_CAMERA_HEIGHT, STREET_K, street_depth

    class StreetModel:
        """Answers a street in units of 1/5 m for bright frames, a wall (no ground) for dark ones."""

        height, width = 64, 208

        def __init__(self, *args, **kwargs):
            pass

        def __call__(self, image):
            depth = street_depth() / 5.0 if image.mean() > 127 else street_depth(ground=False)
            return depth.astype(np.float32), (1.0 / depth).astype(np.float32)

    monkeypatch.setattr(lite_runtime, "LiteDepthModel", StreetModel)
    frames = tmp_path / "frames"
    frames.mkdir()
    Image.fromarray(np.full((64, 208, 3), 200, np.uint8)).save(frames / "road.png")
    Image.fromarray(np.full((64, 208, 3), 20, np.uint8)).save(frames / "wall.png")
    fx, fy, cx, cy = STREET_K[0, 0], STREET_K[1, 1], STREET_K[0, 2], STREET_K[1, 2]
    assert lite_runtime.main([f"--model={tmp_path / 'any.tflite'}", f"--input={frames}", f"--output_dir={tmp_path / 'out'}",
                              f"--camera_height={STREET_CAMERA_HEIGHT}", f"--intrinsics={fx},{fy},{cx},{cy}"]) == 0
    printed = capsys.readouterr().out
    assert "road:" in printed and "(scale 5 from" in printed
    assert "wall:" in printed and "no ground visible" in printed and not (tmp_path / "out" / "wall_depth.png").exists()
    metres = np.asarray(Image.open(tmp_path / "out" / "road_depth.png")) / 256.0
    np.testing.assert_allclose(metres, np.clip(street_depth(), 0, 65535 / 256.0), atol=1 / 256.0, rtol=2e-3)


def test_metres_on_the_device_need_only_the_two_files(tflite_file, synthetic_frames, tmp_path):
    python = _runtime_python()
    path, _ = tflite_file("int8")
    frames_dir = tmp_path / "frames"
    frames_dir.mkdir()
    Image.fromarray(synthetic_frames[0][0]).save(frames_dir / "000000.png")
    # Both files alone, as on a device, and no TensorFlow: the scale comes from numpy.
    for name, source in (("lite_runtime.py", lite_runtime.__file__),
                         ("camera_height.py", REPO_ROOT / "sfmlearner_tf" / "inference" / "camera_height.py")):
        (tmp_path / name).write_text(pathlib.Path(source).read_text())
    guard = ("import runpy, sys; sys.modules['tensorflow'] = None; sys.argv = sys.argv[1:]; "
             "runpy.run_path(sys.argv[0], run_name='__main__')")
    result = subprocess.run(
        [str(python), "-c", guard, str(tmp_path / "lite_runtime.py"), f"--model={path}", f"--input={frames_dir}",
         f"--output_dir={tmp_path / 'out'}", "--num_threads=1", "--camera_height=1.65", "--intrinsics=48,48,47.5,15.5"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    # An untrained network's map may or may not show a ground: either way the line says which.
    assert "000000:" in result.stdout and ("ground pixels" in result.stdout or "no ground visible" in result.stdout)
    (tmp_path / "camera_height.py").unlink()
    missing = subprocess.run([str(python), "-c", guard, str(tmp_path / "lite_runtime.py"), f"--model={path}",
                              f"--input={frames_dir}", f"--output_dir={tmp_path / 'out'}", "--camera_height=1.65",
                              "--intrinsics=48,48,47.5,15.5"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.strip().splitlines() == [
        "lite_runtime: error: --camera_height needs camera_height.py beside lite_runtime.py "
        "(copy sfmlearner_tf/inference/camera_height.py)"]

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
    assert len(results) == 3 and all(d.shape == (32, 96) and ms > 0 for d, _, ms in results)
    with pytest.raises(FileNotFoundError, match="nope"):
        lite_runtime.LiteDepthModel(str(tmp_path / "nope.tflite"))
    with pytest.raises(FileNotFoundError, match="no .png"):
        lite_runtime.list_images(str(tmp_path))

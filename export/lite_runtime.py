"""Depth from a .tflite DispNet on the device: LiteRT + numpy + pillow, no TensorFlow.

    python lite_runtime.py --model=depth_int8.tflite --input=frame.png --output_dir=out
    python lite_runtime.py --model=depth_int8.tflite --input=frames/ --output_dir=out --num_threads=4

For each frame: `<name>_depth.png` (16-bit, value = depth * 256, i.e. 1/256 network depth unit
per step, KITTI's convention) and `<name>_color.png` (disparity, turbo colour map), and a line
with the inference latency. From Python, `LiteDepthModel(path)(image)` or `depth_stream(model,
frames)` for a camera loop.

Depth in metres: `--camera_height=1.65 --intrinsics=fx,fy,cx,cy` (the frames' K at their own
size) scales each frame by its own ground plane, so the PNG holds metres * 256; a frame whose
ground is not visible gets a line saying so and no PNG. It needs `camera_height.py` (numpy only,
from sfmlearner_tf/inference/) copied beside this file; in the repository it is found there.

The model contract (export/tflite_lib.py): one input `pixels` [1, H, W, 3] RGB (float32 0..255, or
a quantized uint8/int8 whose scale and zero point are read from the file), one output
`disparity_logits` [1, H, W, 1] (float32, or quantized and dequantized here from the file's
parameters); `disparity = 10 * sigmoid(x) + 0.01`, `depth = 1 / disparity`.

This one program uses argparse rather than absl flags: the device environment
(requirements-runtime.txt) has only ai-edge-litert, numpy and pillow, and absl is not among them.
"""

import argparse
import importlib.util
import os
import sys
import time
from typing import Iterable, Iterator, Optional

import numpy as np
from PIL import Image

try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError:  # devices that ship the older standalone runtime
    from tflite_runtime.interpreter import Interpreter

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".ppm")
DEPTH_PNG_SCALE = 256.0
# disp = DISP_SCALING * sigmoid(x) + MIN_DISP (sfmlearner_tf.disparity; not imported: no TF here).
DISP_SCALING = 10.0
MIN_DISP = 0.01

# Turbo colour map (Mikhailov 2019), its published degree-5 polynomial fit per channel.
_TURBO = np.array([
    [0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
    [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
    [0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
])


class LiteDepthModel:
    """A .tflite depth network: uint8 RGB frames of any size -> depth at the model's input size."""

    def __init__(self, model_path: str, num_threads: int = 2):
        if not os.path.isfile(model_path):
            raise FileNotFoundError(f"model file {model_path!r} not found")
        self.interpreter = Interpreter(model_path=model_path, num_threads=num_threads)
        self.interpreter.allocate_tensors()
        self._input = self.interpreter.get_input_details()[0]
        self._output = self.interpreter.get_output_details()[0]
        shape = tuple(self._input["shape"])
        if len(shape) != 4 or shape[0] != 1 or shape[3] != 3:
            raise ValueError(f"{model_path}: expected an input of shape [1, H, W, 3], got {list(shape)}")
        self.height, self.width = int(shape[1]), int(shape[2])

    def _input_tensor(self, image: np.ndarray) -> np.ndarray:
        dtype = self._input["dtype"]
        pixels = image.astype(np.float32)[None]
        if dtype == np.float32:
            return pixels
        scale, zero_point = self._input["quantization"]
        info = np.iinfo(dtype)
        quantized = np.round(pixels / scale + zero_point)
        return np.clip(quantized, info.min, info.max).astype(dtype)

    def _logits(self) -> np.ndarray:
        raw = self.interpreter.get_tensor(self._output["index"])[0, ..., 0]
        if self._output["dtype"] == np.float32:
            return raw
        scale, zero_point = self._output["quantization"]
        return (raw.astype(np.float32) - zero_point) * scale

    def resize(self, image: np.ndarray) -> np.ndarray:
        """uint8 [h, w, 3] (or [h, w] grey, or RGBA) -> uint8 [H, W, 3] at the model's input size."""
        picture = Image.fromarray(np.asarray(image)).convert("RGB")
        if picture.size != (self.width, self.height):
            picture = picture.resize((self.width, self.height), Image.BILINEAR)
        return np.asarray(picture, np.uint8)

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """image: uint8 [h, w, 3] RGB -> (depth, disparity), float32 [H, W] each."""
        self.interpreter.set_tensor(self._input["index"], self._input_tensor(self.resize(image)))
        self.interpreter.invoke()
        logits = self._logits().astype(np.float64)
        disparity = (DISP_SCALING / (1.0 + np.exp(-logits)) + MIN_DISP).astype(np.float32)
        return 1.0 / disparity, disparity


def depth_stream(model: LiteDepthModel, frames: Iterable[np.ndarray]
                 ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """frames: uint8 [h, w, 3] RGB, read as they are needed -> yields (frame, depth, disparity,
    latency in ms) per frame."""
    for frame in frames:
        start = time.perf_counter()
        depth, disparity = model(frame)
        yield frame, depth, disparity, 1000.0 * (time.perf_counter() - start)


def read_frame(path: str) -> np.ndarray:
    """An image file -> uint8 [h, w, 3] RGB."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def list_images(path: str) -> list[str]:
    """A file -> [file]; a folder -> its image files, sorted by name."""
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise FileNotFoundError(f"input {path!r} is neither an image file nor a folder")
    names = sorted(n for n in os.listdir(path) if n.lower().endswith(IMAGE_SUFFIXES))
    if not names:
        raise FileNotFoundError(f"no {'/'.join(IMAGE_SUFFIXES)} images in {path!r}")
    return [os.path.join(path, name) for name in names]


def colorize(disparity: np.ndarray) -> np.ndarray:
    """float [H, W] -> uint8 [H, W, 3] turbo colours, the 5th-95th percentile range stretched."""
    low, high = np.percentile(disparity, [5, 95])
    t = np.clip((disparity - low) / max(high - low, 1e-12), 0.0, 1.0)
    powers = np.stack([t ** k for k in range(_TURBO.shape[1])], axis=-1)
    return np.round(255.0 * np.clip(powers @ _TURBO.T, 0.0, 1.0)).astype(np.uint8)


def _write_png(array: np.ndarray, path: str) -> None:
    temporary = path + ".tmp.png"
    Image.fromarray(array).save(temporary)
    os.replace(temporary, path)


def save_outputs(depth: np.ndarray, disparity: np.ndarray, output_dir: str, name: str) -> None:
    """Writes `<name>_depth.png` (uint16, depth * 256) and `<name>_color.png` into output_dir."""
    depth_png = np.clip(np.round(depth * DEPTH_PNG_SCALE), 0, 65535).astype(np.uint16)
    _write_png(depth_png, os.path.join(output_dir, f"{name}_depth.png"))
    _write_png(colorize(disparity), os.path.join(output_dir, f"{name}_color.png"))


def load_camera_height_module():
    """sfmlearner_tf/inference/camera_height.py, read beside this file (a device) or from the
    repository, without importing sfmlearner_tf, whose package imports TensorFlow."""
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, "camera_height.py"),
                 os.path.join(here, os.pardir, "sfmlearner_tf", "inference", "camera_height.py")):
        if os.path.isfile(path):
            spec = importlib.util.spec_from_file_location("camera_height", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError(f"--camera_height needs camera_height.py beside {os.path.basename(__file__)} "
                            "(copy sfmlearner_tf/inference/camera_height.py)")


def network_intrinsics(values: str, frame_size: tuple, network_size: tuple) -> np.ndarray:
    """'fx,fy,cx,cy' of a frame (width, height) -> K of the network's (width, height).

    The project's resize rule (sfmlearner_tf.geometry.resize_intrinsics; pixel centres at
    integers): f' = s f, c' = s c + (s - 1) / 2 with s = new size / old size.
    """
    try:
        fx, fy, cx, cy = (float(v) for v in values.split(","))
    except ValueError:
        raise ValueError(f"--intrinsics must be 4 numbers fx,fy,cx,cy, got {values!r}") from None
    sx, sy = network_size[0] / frame_size[0], network_size[1] / frame_size[1]
    return np.array([[sx * fx, 0.0, sx * cx + (sx - 1) / 2], [0.0, sy * fy, sy * cy + (sy - 1) / 2], [0.0, 0.0, 1.0]])


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the .tflite depth model")
    parser.add_argument("--input", required=True, help="an image file or a folder of images")
    parser.add_argument("--output_dir", required=True, help="where the depth PNGs are written")
    parser.add_argument("--num_threads", type=int, default=2, help="interpreter threads")
    parser.add_argument("--camera_height", type=float, default=0.0,
                        help="metres from the camera to the ground: depth in metres (needs --intrinsics)")
    parser.add_argument("--intrinsics", default="", help="fx,fy,cx,cy of the frames at their own size")
    args = parser.parse_args(argv)
    if args.camera_height and not args.intrinsics:
        parser.error("--camera_height needs --intrinsics=fx,fy,cx,cy (the frames' K at their own size)")

    camera_height = load_camera_height_module() if args.camera_height else None
    model = LiteDepthModel(args.model, num_threads=args.num_threads)
    paths = list_images(args.input)
    os.makedirs(args.output_dir, exist_ok=True)
    # One frame in memory at a time: a Pi cannot hold a long sequence, decoded.
    frames = (read_frame(path) for path in paths)
    latencies = []
    for path, (frame, depth, disparity, latency) in zip(paths, depth_stream(model, frames)):
        name = os.path.splitext(os.path.basename(path))[0]
        latencies.append(latency)
        metres = ""
        if camera_height:
            intrinsics = network_intrinsics(args.intrinsics, (frame.shape[1], frame.shape[0]), (model.width, model.height))
            found = camera_height.ground_scale(depth, intrinsics, args.camera_height)
            if found.scale is None:
                print(f"{name}: {latency:.1f} ms, {found.reason}; no depth written", flush=True)
                continue
            depth = depth * np.float32(found.scale)
            metres = f" m (scale {found.scale:.4g} from {found.ground_pixels} ground pixels)"
        save_outputs(depth, disparity, args.output_dir, name)
        print(f"{name}: {latency:.1f} ms, median depth {np.median(depth):.3f}{metres}", flush=True)
    print(f"{len(paths)} frame(s), median latency {np.median(latencies):.1f} ms "
          f"({model.width}x{model.height}, {args.num_threads} threads) -> {args.output_dir}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, FileNotFoundError) as error:  # bad input: one line, not a traceback
        sys.stderr.write(f"lite_runtime: error: {error}\n")
        sys.exit(2)

"""Latency and size of the depth network: Keras and the four .tflite formats, as one JSON table.

    python -m benchmarks.tflite_latency                      # random weights, 128x416, 2 threads
    python -m benchmarks.tflite_latency --depth_net=mobile   # the same for the compact depth network
    python -m benchmarks.tflite_latency --checkpoint_dir=runs/demo --representative_dataset=DATA

Latency does not depend on the weights' values, so without a checkpoint a freshly initialised
network of `--depth_net` is used (int8 calibrated on uniform-noise frames). The LiteRT numbers are
the median of `invoke()` with the XNNPACK delegate (the interpreter's default); the Keras number is
the median of a `tf.function` call on one frame with TensorFlow limited to the same number of threads.
Prints `{"depth_net", "height", "width", "num_threads", "formats": {name: {"ms_median", "size_bytes"}}}`.
"""

import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np
from absl import app, flags

from benchmarks.machine import machine
from sfmlearner_tf.config import DEPTH_NETS, Config, ModelConfig
from sfmlearner_tf.quiet_start import start_tensorflow

_CHECKPOINT_DIR = flags.DEFINE_string("checkpoint_dir", "", "A run to export; empty = random weights.")
_DATASET = flags.DEFINE_string("representative_dataset", "", "TFRecords for int8 calibration (else noise frames).")
_HEIGHT = flags.DEFINE_integer("height", 128, "Input height when no checkpoint is given.")
_WIDTH = flags.DEFINE_integer("width", 416, "Input width when no checkpoint is given.")
_DEPTH_NET = flags.DEFINE_enum("depth_net", ModelConfig.depth_net, DEPTH_NETS,
                               "Depth network when no checkpoint is given (a checkpoint's config has its own).")
_NUM_THREADS = flags.DEFINE_integer("num_threads", 2, "Interpreter / TensorFlow threads.")
_RUNS = flags.DEFINE_integer("runs", 20, "Timed runs per format (median reported) after warm-up.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", "", "Where the models are written (default: a temporary dir).")


def _random_run(directory: str, height: int, width: int, network: str) -> str:
    import tensorflow as tf

    from sfmlearner_tf.run_dir import build_models, write_config

    config = Config(model=ModelConfig(height=height, width=width, depth_net=network))
    write_config(directory, config)
    depth_net, pose_net = build_models(config)
    tf.train.CheckpointManager(tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net), directory, 1).save()
    return directory


def _keras_ms(checkpoint: str, runs: int) -> float:
    import tensorflow as tf

    from sfmlearner_tf.run_dir import restore_models

    config, depth_net, _ = restore_models(checkpoint)
    image = tf.random.uniform([1, config.model.height, config.model.width, 3], -1.0, 1.0)
    predict = tf.function(lambda x: depth_net(x, training=False)[0])
    for _ in range(3):
        predict(image).numpy()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        predict(image).numpy()
        times.append(1000.0 * (time.perf_counter() - start))
    return statistics.median(times)


def main(argv):
    del argv
    start_tensorflow()  # this CPU's settings, before TensorFlow loads (quiet_start.py)
    import tensorflow as tf

    # Before any op runs: TensorFlow's pools are created once.
    tf.config.threading.set_intra_op_parallelism_threads(_NUM_THREADS.value)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    from export import saved_model_lib, tflite_lib
    from export.fidelity import measure_latency
    from export.frames import read_target_frames
    from export.lite_runtime import LiteDepthModel

    work = _OUTPUT_DIR.value or tempfile.mkdtemp(prefix="tflite_latency-")
    checkpoint = _CHECKPOINT_DIR.value or _random_run(
        os.path.join(work, "run"), _HEIGHT.value, _WIDTH.value, _DEPTH_NET.value)
    saved_model_dir = saved_model_lib.export_saved_model(checkpoint, os.path.join(work, "saved_model"), overwrite=True)
    config = saved_model_lib.read_export_config(saved_model_dir)
    height, width = config.model.height, config.model.width
    if _DATASET.value:
        frames = [f.image for f in read_target_frames(_DATASET.value, "train", height, width, 50)]
    else:
        rng = np.random.default_rng(0)
        frames = [rng.integers(0, 256, [height, width, 3], dtype=np.uint8) for _ in range(8)]

    results = {"keras": {"ms_median": _keras_ms(checkpoint, _RUNS.value), "size_bytes": None}}
    for quantization in tflite_lib.QUANTIZATIONS:
        path = os.path.join(work, f"depth_{quantization}.tflite")
        print(f"converting {quantization} ...", file=sys.stderr, flush=True)
        representative = tflite_lib.representative_images(frames) if quantization == "int8" else None
        tflite_lib.write_tflite(tflite_lib.convert(saved_model_dir, quantization, representative), path)
        model = LiteDepthModel(path, num_threads=_NUM_THREADS.value)
        results[quantization] = {
            "ms_median": measure_latency(model, frames[0], runs=_RUNS.value),
            "size_bytes": os.path.getsize(path),
        }
    print(json.dumps({"depth_net": config.model.depth_net, "height": height, "width": width,
                      "num_threads": _NUM_THREADS.value, "runs": _RUNS.value, "formats": results, "machine": machine()}, indent=2))


if __name__ == "__main__":
    app.run(main)

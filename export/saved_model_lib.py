"""SavedModel export of a training run: the serving signatures TensorFlow Serving reads.

Two signatures, both taking raw uint8 RGB frames (the `x / 127.5 - 1` normalisation of DESIGN.md
happens inside the graph, so a client never has to know it):

| signature         | inputs                                                   | outputs                                                        |
|-------------------|----------------------------------------------------------|----------------------------------------------------------------|
| `serving_default` | `image` uint8 [B, H, W, 3]                               | `depth`, `disparity` float32 [B, H, W, 1] (finest scale)        |
| `pose`            | `target` uint8 [B, H, W, 3], `sources` uint8 [B, H, W, 3N] | `pose` float32 [B, N, 6]; `masks` float32 [B, H, W, N] if the run has explainability |
| `disparity_logits`| `pixels` float32 [1, H, W, 3] in [0, 255]                | `disparity_logits` float32 [1, H, W, 1]: the TFLite converter's input graph |

`depth` is `1 / disparity` (z-depth up to the unknown scale of monocular training); `pose` is
`[tx, ty, tz, rx, ry, rz]` target→source (DESIGN.md). `masks` is the finest-scale probability
that a pixel is explainable, one channel per source.
"""

import os
import shutil
import tempfile

import keras
import tensorflow as tf

from export import inference_graph
from sfmlearner_tf.config import Config
from sfmlearner_tf.image_range import to_network_range
from sfmlearner_tf.run_dir import CONFIG_FILE, restore_models

SERVING_SIGNATURE = "serving_default"
POSE_SIGNATURE = "pose"
# The export-only inference graph (export/inference_graph.py) that the TFLite converter reads:
# `pixels` float32 [1, H, W, 3] in [0, 255] -> `disparity_logits` float32 [1, H, W, 1].
TFLITE_SIGNATURE = "disparity_logits"
# How that graph computes the decoder's transposed convs; both are exact in float, this one is
# the one XNNPACK runs whole in int8 (see the latency profile in export/tflite_lib.py).
TFLITE_UPCONV = "depth_to_space"


def build_export_archive(config: Config, depth_net: keras.Model, pose_net: keras.Model) -> keras.export.ExportArchive:
    """The serving endpoints (and the converter's `disparity_logits`) over the networks of a run.

    Args:
      config: the run's Config (input size, snippet length, explainability).
      depth_net: a built `DepthNet` (`DispNet` or `MobileDepthNet`); pose_net: a built `PoseExpNet` matching `config`.
    """
    height, width = config.model.height, config.model.width
    channels = 3 * config.model.num_source
    explainability = config.loss.explainability

    def serve_depth(image):
        disparity = depth_net(to_network_range(image), training=False)[0]
        return {"depth": 1.0 / disparity, "disparity": disparity}

    def serve_pose(target, sources):
        outputs = pose_net(to_network_range(target), to_network_range(sources), training=False)
        served = {"pose": outputs["pose"]}
        if explainability:
            served["masks"] = outputs["masks"][0]
        return served

    def serve_logits(pixels):
        return {TFLITE_SIGNATURE: inference_graph.disparity_logits(depth_net, pixels, TFLITE_UPCONV)}

    archive = keras.export.ExportArchive()
    archive.track(depth_net)
    archive.track(pose_net)
    archive.add_endpoint(
        SERVING_SIGNATURE,
        serve_depth,
        input_signature=[tf.TensorSpec([None, height, width, 3], tf.uint8, name="image")],
    )
    archive.add_endpoint(
        POSE_SIGNATURE,
        serve_pose,
        input_signature=[
            tf.TensorSpec([None, height, width, 3], tf.uint8, name="target"),
            tf.TensorSpec([None, height, width, channels], tf.uint8, name="sources"),
        ],
    )
    archive.add_endpoint(
        TFLITE_SIGNATURE,
        serve_logits,
        input_signature=[tf.TensorSpec([1, height, width, 3], tf.float32, name="pixels")],
    )
    return archive


def export_saved_model(checkpoint: str, output_dir: str, overwrite: bool = False) -> str:
    """Restores a run (directory or checkpoint prefix) and writes its SavedModel to `output_dir`.

    The model is written to a temporary directory beside `output_dir` and renamed into place, so a
    crash never leaves a half-written SavedModel. Returns `output_dir`.
    """
    output_dir = os.path.abspath(output_dir)
    if os.path.exists(output_dir) and not overwrite:
        raise FileExistsError(f"{output_dir!r} exists; pass overwrite=True (--overwrite) to replace it")
    config, depth_net, pose_net = restore_models(checkpoint)
    archive = build_export_archive(config, depth_net, pose_net)
    parent = os.path.dirname(output_dir)
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(prefix=os.path.basename(output_dir) + ".tmp-", dir=parent)
    # mkdtemp makes the directory private (0700); a model server usually runs as another user.
    os.chmod(temporary, 0o755)
    try:
        archive.write_out(temporary, verbose=False)
        # The run's config travels with the model (in `assets.extra/`, which TensorFlow Serving
        # ignores): the TFLite converter and the fidelity report read the input size from it.
        extra = os.path.join(temporary, "assets.extra")
        os.makedirs(extra, exist_ok=True)
        with open(os.path.join(extra, CONFIG_FILE), "w") as f:
            f.write(config.to_json())
        if os.path.exists(output_dir):
            shutil.rmtree(output_dir)
        os.replace(temporary, output_dir)
    finally:
        if os.path.exists(temporary):
            shutil.rmtree(temporary)
    return output_dir


def read_export_config(saved_model_dir: str) -> Config:
    """The training Config stored beside a SavedModel by `export_saved_model`."""
    path = os.path.join(saved_model_dir, "assets.extra", CONFIG_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found: {saved_model_dir!r} was not written by export.saved_model")
    with open(path) as f:
        return Config.from_json(f.read())

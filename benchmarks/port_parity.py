"""This project's loss and networks against the PyTorch port's, on one real batch and the same weights.

    python -m benchmarks.port_parity --dataset_dir=RECORDS [--port_dir=~/sfm-pt --port_python=~/ptenv/bin/python]

The port's half (`benchmarks/port_side_loss.py`, run with --port_python, which has torch)
initialises the port's networks, computes its `-m 0 -s 0.1` loss on the first --batch_size
snippets of RECORDS' train split (file order, no augmentation) and saves every weight,
disparity, pose and gradient. This half then asks, without training anything:

- `loss`: our loss (`--explain_weight=0 --smooth_weight=0.1`, each `--mask_invalid` setting) on
  the port's own disparities and poses: both terms, and the gradients with respect to the finest
  disparity and the poses (relative error and cosine against the port's). This is the loss and
  the warp (pose convention, pixel grid, border sampling) alone, with no network in between.
- `networks`, per `--padding` (models/blocks.py): the port's weights loaded into our DispNet and
  PoseExpNet (`--activation=relu`, no mask decoder): how far our outputs are from the port's for
  the same weights, and each layer's weight gradient through our networks and loss against the
  port's (norm ratio and cosine). "symmetric" pads as PyTorch does; TF's "same" does not.

Prints one JSON object with the CPU.
"""

import json
import os
import subprocess
import tempfile

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

from benchmarks.machine import machine  # noqa: E402
from sfmlearner_tf.config import PADDINGS, DataConfig, LossConfig, ModelConfig  # noqa: E402
from sfmlearner_tf.data import dataset_info, make_dataset  # noqa: E402
from sfmlearner_tf.losses import compute_losses  # noqa: E402
from sfmlearner_tf.models import DispNet, PoseExpNet  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset_dir", "", "TFRecords (data_prep.build_tfrecords) with a train split, e.g. of a TUM folder.")
flags.DEFINE_integer("batch_size", 4, "Snippets in the batch.")
flags.DEFINE_integer("seed", 0, "The port's torch seed for its initialisation.")
flags.DEFINE_string("port_dir", os.path.expanduser("~/sfm-pt"), "A checkout of the PyTorch port (SfmLearner-Pytorch).")
flags.DEFINE_string("port_python", os.path.expanduser("~/ptenv/bin/python"), "A Python with torch.")

PORT_SIDE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "port_side_loss.py")
# The port's flags as ours: its loss is ours with these (module docstring).
PORT_LOSS = dict(explain_weight=0.0, smooth_weight=0.1, photometric_scales=1, smoothness="depth")


def _compare(ours, port) -> dict:
    ours, port = np.ravel(ours).astype(np.float64), np.ravel(port).astype(np.float64)
    norm = np.linalg.norm(port)
    return {"relative_error": float(np.linalg.norm(ours - port) / max(norm, 1e-30)),
            "cosine": float(ours @ port / max(np.linalg.norm(ours) * norm, 1e-30)),
            "norm_ratio": float(np.linalg.norm(ours) / max(norm, 1e-30))}


def _keras_layout(port_kernel: np.ndarray) -> np.ndarray:
    """torch Conv2d [out, in, kh, kw] or ConvTranspose2d [in, out, kh, kw] -> Keras [kh, kw, in | out, out | in].

    The same transpose for both, since Keras stores a transposed conv's kernel as [kh, kw, out, in].
    """
    return np.transpose(port_kernel, (2, 3, 1, 0))


def _port_weights_into(depth_net, pose_net, port) -> dict:
    """Copies the port's parameters into our layers; returns {our variable path: port name}."""
    names = {}

    def put(layer, port_name):
        weight, bias = port[f"param/{port_name}.weight"], port[f"param/{port_name}.bias"]
        layer.kernel.assign(_keras_layout(weight))
        layer.bias.assign(bias)
        names[layer.kernel.path] = f"{port_name}.weight"
        names[layer.bias.path] = f"{port_name}.bias"

    for level in range(1, 8):
        put(getattr(depth_net, f"cnv{level}"), f"disp_net.conv{level}.0")
        put(getattr(depth_net, f"cnv{level}b"), f"disp_net.conv{level}.2")
        put(getattr(depth_net, f"upcnv{level}"), f"disp_net.upconv{level}.0")
        put(getattr(depth_net, f"icnv{level}"), f"disp_net.iconv{level}.0")
        put(getattr(pose_net, f"cnv{level}"), f"pose_net.conv{level}.0")
    for head in range(1, 5):
        put(getattr(depth_net, f"disp{head}"), f"disp_net.predict_disp{head}.0")
    put(pose_net.pred, "pose_net.pose_pred")
    return names


def _networks_on_port_weights(padding, port, target, sources, intrinsics) -> dict:
    """Our networks padded as `padding`, with the port's weights: outputs and weight gradients against the port's."""
    import tensorflow as tf

    depth_net = DispNet(activation="relu", padding=padding)
    pose_net = PoseExpNet(num_source=2, explainability=False, activation="relu", padding=padding)
    depth_net(target)
    pose_net(target, sources)
    names = _port_weights_into(depth_net, pose_net, port)
    variables = depth_net.trainable_variables + pose_net.trainable_variables
    with tf.GradientTape() as tape:
        disps = depth_net(target)
        pose = pose_net(target, sources)["pose"]
        terms = compute_losses(LossConfig(**PORT_LOSS), target, sources, intrinsics, disps, pose).terms
    grads = tape.gradient(terms["total"], variables)
    layers = {names[v.path]: _compare(g, _keras_layout(port[f"grad/{names[v.path]}"]))
              for v, g in zip(variables, grads) if v.path in names and v.path.endswith("kernel")}
    return {
        "disparity": {f"scale{s}": _compare(disps[s], port[f"disp{s}"]) for s in range(4)},
        "pose": _compare(pose, port["pose"]),
        "photometric": {"ours": float(terms["photometric"]), "port": float(port["photometric"])},
        "layer_gradients": layers,
        "min_layer_gradient_cosine": min(row["cosine"] for row in layers.values()),
    }


def main(argv):
    del argv
    import tensorflow as tf

    if not FLAGS.dataset_dir:
        raise app.UsageError("--dataset_dir is required")
    info = dataset_info.read_dataset_info(FLAGS.dataset_dir)
    model_config = ModelConfig(height=int(info["height"]), width=int(info["width"]), activation="relu")
    batch = next(iter(make_dataset(FLAGS.dataset_dir, "train", DataConfig(batch_size=FLAGS.batch_size, augment=False),
                                   model_config, training=False)))
    target, sources, intrinsics = batch["target"], batch["sources"], batch["intrinsics"]

    work = tempfile.mkdtemp(prefix="port_parity_")
    batch_path, port_path = os.path.join(work, "batch.npz"), os.path.join(work, "port.npz")
    np.savez(batch_path, target=target.numpy(), sources=sources.numpy(), intrinsics=intrinsics[0, 0].numpy(),
             seed=FLAGS.seed)
    env = dict(os.environ, PORT_DIR=os.path.expanduser(FLAGS.port_dir))
    result = subprocess.run([os.path.expanduser(FLAGS.port_python), PORT_SIDE, batch_path, port_path], env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"error: {PORT_SIDE} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    port = np.load(port_path)
    port_disps = [port[f"disp{scale}"] for scale in range(4)]

    loss_rows = {}
    for mask_invalid in (True, False):
        config = LossConfig(mask_invalid=mask_invalid, **PORT_LOSS)
        disps = [tf.Variable(d) for d in port_disps]
        pose = tf.Variable(port["pose"])
        with tf.GradientTape() as tape:
            terms = compute_losses(config, target, sources, intrinsics, disps, pose).terms
        grads = tape.gradient(terms["total"], [disps[0], pose])
        loss_rows[f"mask_invalid={mask_invalid}"] = {
            "photometric": {"ours": float(terms["photometric"]), "port": float(port["photometric"])},
            "smoothness": {"ours": float(terms["smoothness"]), "port": float(port["smoothness"])},
            "grad_finest_disparity": _compare(grads[0], port["disp_grad0"]),
            "grad_pose": _compare(grads[1], port["pose_grad"]),
        }

    networks = {padding: _networks_on_port_weights(padding, port, target, sources, intrinsics)
                for padding in PADDINGS}
    print(json.dumps({"benchmark": "port_parity", "dataset_dir": FLAGS.dataset_dir, "batch_size": FLAGS.batch_size,
                      "seed": FLAGS.seed, "loss": loss_rows, "networks": networks, "machine": machine()}, indent=2))


if __name__ == "__main__":
    app.run(main)

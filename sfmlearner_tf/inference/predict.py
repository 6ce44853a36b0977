"""Running the networks for evaluation and inference: model loading and batched prediction.

Two kinds of model path are accepted:
  * a training run directory or checkpoint prefix (`config.json` + checkpoint): both networks;
  * an exported SavedModel directory (`saved_model.pb`): depth only, through its
    `serving_default` signature (uint8 images [None, H, W, 3] -> `depth`, `disparity`).
"""

import os
from typing import Callable, Iterable, Iterator, Optional

import numpy as np
import tensorflow as tf

from sfmlearner_tf.config import Config
from sfmlearner_tf.inference.image_io import resize_bilinear
from sfmlearner_tf.image_range import to_network_range, to_uint8
from sfmlearner_tf.run_dir import restore_models


def load_networks(path: str):
    """(Config, DispNet, PoseExpNet) of a run directory or checkpoint prefix.

    Raises:
      FileNotFoundError: no config or checkpoint at `path`.
      ValueError: the checkpoint does not fit the networks its `config.json` describes (a
        checkpoint of another configuration); the message names the path.
    """
    try:
        return restore_models(path)
    except (AssertionError, ValueError, tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as error:
        # Keras reports a weight of the wrong shape as a ValueError, a missing one as an AssertionError.
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"checkpoint {path!r} does not match its config.json: {first_line}") from error


def is_saved_model(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "saved_model.pb"))


class DepthModel:
    """Depth (and, where the model has it, pose) of uint8 images at the network's input size.

    Attributes:
      height, width: the size the network takes.
      config: the run's Config (None for a SavedModel).
      pose_fn: (target [B,H,W,3], sources [B,H,W,3N]) float32 in [-1, 1] -> pose [B, N, 6]
        target->source; None when the model has no pose network.
      seq_length: frames per snippet of `pose_fn` (None without one).
    """

    def __init__(self, height: int, width: int, depth_fn: Callable, config: Optional[Config] = None,
                 pose_fn: Optional[Callable] = None, seq_length: Optional[int] = None):
        self.height = height
        self.width = width
        self._depth_fn = depth_fn
        self.config = config
        self.pose_fn = pose_fn
        self.seq_length = seq_length

    def predict(self, images: np.ndarray) -> np.ndarray:
        """uint8 [B, height, width, 3] RGB -> float32 [B, height, width] depth (network units)."""
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[1:] != (self.height, self.width, 3):
            raise ValueError(f"expected images of shape [B, {self.height}, {self.width}, 3], got {images.shape}")
        return np.asarray(self._depth_fn(tf.constant(images, tf.uint8)), np.float32)


def depth_from_network(depth_net) -> Callable:
    """A tf.function: uint8 [B, H, W, 3] -> float32 [B, H, W] depth = 1 / finest disparity."""

    @tf.function(reduce_retracing=True)
    def depth_fn(images):
        disparity = depth_net(to_network_range(images), training=False)[0]
        return 1.0 / disparity[..., 0]

    return depth_fn


def _single_image_input(signature, path: str, name: str) -> tuple[str, list]:
    _, inputs = signature.structured_input_signature
    if len(inputs) != 1:
        raise ValueError(f"SavedModel {path!r}: {name} should take one image input, takes {sorted(inputs)}")
    (key, spec), = inputs.items()
    shape = spec.shape.as_list()
    if len(shape) != 4 or shape[1] is None or shape[2] is None or shape[3] != 3 or spec.dtype != tf.uint8:
        raise ValueError(f"SavedModel {path!r}: expected uint8 input [None, H, W, 3], got {spec.dtype.name} {shape}")
    return key, shape


def _saved_model_depth(path: str) -> DepthModel:
    """serving_default (uint8 `image` -> `depth`) and, when exported, `pose` (uint8 `target`,
    `sources` -> `pose`)."""
    loaded = tf.saved_model.load(path)
    if "serving_default" not in loaded.signatures:
        raise ValueError(f"SavedModel {path!r} has no 'serving_default' signature")
    signature = loaded.signatures["serving_default"]
    key, shape = _single_image_input(signature, path, "serving_default")
    if "depth" not in signature.structured_outputs:
        raise ValueError(f"SavedModel {path!r}: serving_default has no 'depth' output")

    def depth_fn(images):
        depth = signature(**{key: images})["depth"]
        return tf.reshape(depth, tf.shape(images)[:3])

    pose_fn, seq_length = None, None
    pose_signature = loaded.signatures.get("pose")
    if pose_signature is not None:
        _, pose_inputs = pose_signature.structured_input_signature
        if set(pose_inputs) == {"target", "sources"} and pose_inputs["sources"].shape[-1] is not None:
            seq_length = pose_inputs["sources"].shape[-1] // 3 + 1

            def pose_fn(target, sources):
                return pose_signature(target=to_uint8(target), sources=to_uint8(sources))["pose"]

    model = DepthModel(shape[1], shape[2], depth_fn, pose_fn=pose_fn, seq_length=seq_length)
    model.saved_model = loaded  # keeps the signatures' variables alive
    return model


def load_depth_model(path: str) -> DepthModel:
    """A run directory / checkpoint prefix / SavedModel directory -> DepthModel."""
    if not tf.io.gfile.exists(path) and not tf.io.gfile.exists(path + ".index"):
        raise FileNotFoundError(f"model {path!r} not found")
    if is_saved_model(path):
        return _saved_model_depth(path)
    return depth_model_from_networks(*load_networks(path))


def depth_model_from_networks(config: Config, depth_net, pose_net=None) -> DepthModel:
    """A DepthModel around networks already in memory (e.g. the triple of `load_networks`)."""
    pose_fn = pose_from_network(pose_net) if pose_net is not None else None
    return DepthModel(config.model.height, config.model.width, depth_from_network(depth_net), config,
                      pose_fn, config.model.seq_length)


def batched(items: Iterable, batch_size: int) -> Iterator[list]:
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def predict_depth_at_input_size(model: DepthModel, images: Iterable[np.ndarray], batch_size: int = 8) -> Iterator[np.ndarray]:
    """Depth of images of any size: each resized to the network's size, predicted in batches,
    and the depth resized (bilinear) back to that image's size.

    Args:
      images: iterable of uint8 [h, w, 3] RGB (sizes may differ).

    Yields:
      float32 [h, w] depth per image, in order.
    """
    for batch in batched(images, batch_size):
        resized = np.stack([resize_bilinear(image, model.height, model.width) for image in batch])
        for image, depth in zip(batch, model.predict(resized)):
            yield resize_bilinear(depth, image.shape[0], image.shape[1])


def pose_from_network(pose_net) -> Callable:
    """A tf.function: (target [B,H,W,3], sources [B,H,W,3N]) in [-1, 1] -> pose [B, N, 6]."""

    @tf.function(reduce_retracing=True)
    def pose_fn(target, sources):
        return pose_net(target, sources, training=False)["pose"]

    return pose_fn

"""One serialized snippet -> decoded frames at the model's size, with matching intrinsics.

The intermediate form shared by decoding and augmentation is a *snippet* dict:
  `frames`      float32 [S, H, W, 3] in [0, 1], time order (S = seq_length)
  `intrinsics`  float32 [3, 3], K of `frames` (pixel centres at integers)
  `sequence`    string [], `frame_index` int64 []
  `gt_depth`    float32 [H, W, 1], target-frame z-depth in metres, 0 = unknown (when the dataset has it)
  `gt_poses`    float32 [S, 3, 4], camera-to-world of every frame (when the dataset has it)
"""

import tensorflow as tf

from sfmlearner_tf.data import features
from sfmlearner_tf.geometry import resize_intrinsics


def make_decoder(info: dict, height: int, width: int):
    """Returns `decode(serialized string []) -> snippet dict` for a dataset's schema.

    Args:
      info: the dataset's dataset.json (seq_length, stored height/width, has_gt_*).
      height, width: the model's input size; frames of another stored size are resized
        (bilinear, antialiased when shrinking) and K is scaled to match.
    """
    seq_length = int(info["seq_length"])
    stored_height, stored_width = int(info["height"]), int(info["width"])
    has_gt_depth, has_gt_poses = bool(info["has_gt_depth"]), bool(info["has_gt_poses"])
    spec = features.feature_spec(seq_length, has_gt_depth, has_gt_poses)
    resize = (stored_height, stored_width) != (height, width)

    def decode(serialized: tf.Tensor) -> dict:
        example = tf.io.parse_single_example(serialized, spec)
        frames = []
        for i in range(seq_length):
            frame = tf.io.decode_image(example[features.image_key(i)], channels=3, expand_animations=False)
            # A frame of another size than dataset.json says fails here, not silently later.
            frames.append(tf.ensure_shape(frame, [stored_height, stored_width, 3]))
        frames = tf.cast(tf.stack(frames), tf.float32) / 255.0
        intrinsics = tf.reshape(example["intrinsics"], [3, 3])
        if resize:
            frames = tf.image.resize(frames, [height, width], antialias=True)
            intrinsics = resize_intrinsics(intrinsics, width / stored_width, height / stored_height)
        snippet = {
            "frames": tf.clip_by_value(frames, 0.0, 1.0),
            "intrinsics": intrinsics,
            "sequence": example["sequence"],
            "frame_index": example["frame_index"],
        }
        if has_gt_depth:
            depth = features.decode_gt_depth(example["gt_depth"], example["gt_depth/shape"])
            # Nearest keeps depths real (no blending across edges) and 0 stays 'unknown'.
            depth = tf.image.resize(depth, [height, width], method="nearest")
            snippet["gt_depth"] = tf.ensure_shape(depth, [height, width, 1])
        if has_gt_poses:
            snippet["gt_poses"] = tf.reshape(example["gt_poses"], [seq_length, 3, 4])
        return snippet

    return decode

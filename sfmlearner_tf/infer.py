"""Depth maps (and optionally the camera trajectory) of an image, a folder of images or a video.

  python -m sfmlearner_tf.infer --model=RUN_OR_SAVED_MODEL --input=IMAGE|FOLDER|VIDEO --output_dir=OUT \\
      [--save_npy] [--nosave_png] [--nocolor] [--depth_png_scale=256] [--pose] \\
      [--camera_height=1.65 --intrinsics_file=K.txt]

Frames are resized to the model's input size and depth back to each frame's size. Grayscale
inputs are replicated to RGB, RGBA loses its alpha; other channel layouts are rejected. Videos
are decoded by the `ffmpeg` binary (it must be on PATH). `--pose` (a checkpoint, or a SavedModel
with the export's `pose` signature) writes the chained trajectory in KITTI and TUM formats. A
bad input prints one line naming the file on stderr and exits with status 2.
"""

import sys

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from data_prep.readers.base import read_intrinsics_file  # noqa: E402
from sfmlearner_tf.inference.run_inference import run_inference  # noqa: E402

flags.DEFINE_string("model", None, "Run directory, checkpoint prefix, or exported SavedModel directory.")
flags.DEFINE_string("input", None, "An image, a folder of images, or a video file.")
flags.DEFINE_string("output_dir", None, "Where the depth maps are written.")
flags.DEFINE_integer("batch_size", 8, "Frames per network call.")
flags.DEFINE_float("depth_png_scale", 256.0, "16-bit PNG value = depth x this (KITTI uses 256).")
flags.DEFINE_bool("save_png", True, "Write <name>_depth.png (16-bit).")
flags.DEFINE_bool("save_npy", False, "Write <name>_depth.npy (float32).")
flags.DEFINE_bool("color", True, "Write <name>_depth_color.png (colourized disparity).")
flags.DEFINE_bool("pose", False, "Also write trajectory.kitti.txt / trajectory.tum.txt (chained relative poses).")
flags.DEFINE_float("camera_height", 0.0, "Metres from the camera down to the ground: depth in metres, scaled per "
                   "frame by its ground plane (needs --intrinsics_file; 0: the network's units).")
flags.DEFINE_string("intrinsics_file", "", "The frames' K at their own size: 'fx fy cx cy' or a 3x3 matrix.")
flags.mark_flags_as_required(["model", "input", "output_dir"])
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        sys.stderr.write(f"infer: error: unexpected arguments {argv[1:]}\n")
        sys.exit(2)
    try:
        intrinsics = read_intrinsics_file(FLAGS.intrinsics_file) if FLAGS.intrinsics_file else None
        summary = run_inference(
            FLAGS.model, FLAGS.input, FLAGS.output_dir, FLAGS.batch_size, FLAGS.depth_png_scale,
            save_png=FLAGS.save_png, save_npy=FLAGS.save_npy, save_color=FLAGS.color, pose=FLAGS.pose,
            camera_height=FLAGS.camera_height, intrinsics=intrinsics)
    except (ValueError, FileNotFoundError) as error:
        sys.stderr.write(f"infer: error: {error}\n")
        sys.exit(2)
    metric = summary["metric"]
    if metric:
        print(f"wrote depth in metres of {metric['scaled']} frame(s) to {summary['output_dir']} "
              f"({metric['no_ground']} without visible ground; per-frame scales in scales.json)")
    else:
        print(f"wrote depth of {summary['num_frames']} frame(s) to {summary['output_dir']}")
    if summary["trajectory"]:
        print(f"trajectory: {summary['trajectory']['kitti']}, {summary['trajectory']['tum']}")


if __name__ == "__main__":
    app.run(main)

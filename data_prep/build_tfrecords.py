"""Raw dataset -> sharded TFRecords of snippets + dataset.json.

  python -m data_prep.build_tfrecords --dataset_format=kitti_odom \
      --dataset_dir=/data/kitti_odometry --output_dir=/data/tfrecords/odom --sequences=00,01,02

Errors in the input (a missing folder, an unreadable image, a calibration file without the needed
matrix, ...) print one line `error: ...` naming the file and exit with status 1.
"""

import os
import sys

from absl import app, flags

from data_prep import readers
from data_prep.readers.base import intrinsics_from_values, parse_frame_range, read_intrinsics_file
from sfmlearner_tf.quiet_start import start_tensorflow

FLAGS = flags.FLAGS

flags.DEFINE_enum("dataset_format", None, readers.FORMATS, "Layout of --dataset_dir.")
flags.DEFINE_string("dataset_dir", None, "Raw dataset folder (frames: also a video file).")
flags.DEFINE_string("output_dir", None, "Folder for the shards and dataset.json.")
flags.DEFINE_boolean("overwrite", False, "Replace an existing dataset in --output_dir.")
flags.DEFINE_integer("height", 128, "Stored frame height.")
flags.DEFINE_integer("width", 416, "Stored frame width.")
flags.DEFINE_integer("seq_length", 3, "Frames per snippet (odd; the middle one is the target).")
flags.DEFINE_integer("frame_stride", 1, "Spacing of a snippet's frames in the recording.")
flags.DEFINE_enum("image_format", "png", ["png", "jpeg"], "Encoding of the stored frames.")
flags.DEFINE_integer("jpeg_quality", 95, "JPEG quality with --image_format=jpeg.")
flags.DEFINE_float("val_fraction", 0.1, "Fraction of whole sequences put into the val split.")
flags.DEFINE_integer("seed", 0, "Seed of the train/val split.")
flags.DEFINE_enum("split", "", ["", "train", "val", "test"],
                  "Put every sequence into this one split (evaluation builds) instead of train/val.")
flags.DEFINE_string("frame_range", "0:1", "Keep the frames from START to END, fractions of each sequence: "
                    "0:0.8 to train on and 0.8:1 to hold out the end of a video.")
flags.DEFINE_integer("num_shards", 0, "Shards per split (0: from --snippets_per_shard).")
flags.DEFINE_integer("snippets_per_shard", 1000, "Snippets per shard when --num_shards is 0.")
flags.DEFINE_integer("num_workers", min(2, os.cpu_count() or 1), "Processes decoding and resizing frames.")
flags.DEFINE_string("intrinsics_file", "", "frames/tum: text file with a 3x3 K or 'fx fy cx cy'.")
flags.DEFINE_bool("unknown_intrinsics", False, "frames: no calibration; write a guess (fx = fy = 0.8 W, centred) "
                  "and record that K is unknown, for training with --learn_intrinsics.")
flags.DEFINE_float("fx", None, "frames/tum: focal length x in pixels (native resolution).")
flags.DEFINE_float("fy", None, "frames/tum: focal length y in pixels.")
flags.DEFINE_float("cx", None, "frames/tum: principal point x in pixels.")
flags.DEFINE_float("cy", None, "frames/tum: principal point y in pixels.")
flags.DEFINE_string("kitti_camera", "", "kitti_odom: image_0 or image_2 (default image_2 if present); "
                    "kitti_raw: 02 or 03 (default both).")
flags.DEFINE_list("sequences", [], "kitti_odom: sequence folders to read, e.g. 09,10 (default all).")
flags.DEFINE_float("static_speed_threshold", 0.0,
                   "kitti_raw: drop frames whose OXTS speed is below this (m/s); 0 keeps all.")
flags.DEFINE_string("static_frames_file", "", "kitti_raw: SfMLearner static_frames.txt to drop.")
flags.DEFINE_string("exclude_list", "", "kitti_raw: drives named in this file are left out "
                    "(e.g. the Eigen test files or test scene names).")
flags.DEFINE_string("cityscapes_split", "train", "cityscapes: folder under leftImg8bit_sequence/.")
flags.DEFINE_float("crop_bottom", 0.25, "cityscapes: fraction of rows cut off at the bottom (bonnet).")
flags.DEFINE_boolean("require_gt", True, "tum: depth.txt and groundtruth.txt must exist.")
flags.mark_flags_as_required(["dataset_format", "dataset_dir", "output_dir"])


def _intrinsics():
    values = [FLAGS.fx, FLAGS.fy, FLAGS.cx, FLAGS.cy]
    given = [v is not None for v in values]
    if any(given) and FLAGS.intrinsics_file:
        raise ValueError("pass either --intrinsics_file or --fx --fy --cx --cy, not both")
    if FLAGS.intrinsics_file:
        return read_intrinsics_file(FLAGS.intrinsics_file)
    if any(given):
        if not all(given):
            raise ValueError("--fx, --fy, --cx and --cy must be given together")
        return intrinsics_from_values(values, "--fx --fy --cx --cy")
    return None


def main(argv):
    del argv
    # TensorFlow here, not at the top: worker processes are spawned and re-import this module, and
    # they only need numpy and Pillow, not the seconds-long TensorFlow import.
    start_tensorflow()
    from data_prep import build_lib
    from data_prep.writer import DatasetWriter

    writer = None
    try:
        options = build_lib.BuildOptions(
            height=FLAGS.height, width=FLAGS.width, seq_length=FLAGS.seq_length,
            frame_stride=FLAGS.frame_stride, image_format=FLAGS.image_format,
            jpeg_quality=FLAGS.jpeg_quality, val_fraction=FLAGS.val_fraction, seed=FLAGS.seed,
            split=FLAGS.split, num_shards=FLAGS.num_shards, snippets_per_shard=FLAGS.snippets_per_shard,
            num_workers=FLAGS.num_workers, overwrite=FLAGS.overwrite,
        )
        writer = DatasetWriter(FLAGS.output_dir, FLAGS.overwrite)
        sequences = readers.read_sequences(
            FLAGS.dataset_format, FLAGS.dataset_dir, intrinsics=_intrinsics(), kitti_camera=FLAGS.kitti_camera,
            sequences=FLAGS.sequences, static_speed_threshold=FLAGS.static_speed_threshold,
            static_frames_file=FLAGS.static_frames_file, exclude_list=FLAGS.exclude_list,
            cityscapes_split=FLAGS.cityscapes_split, crop_bottom=FLAGS.crop_bottom,
            require_gt=FLAGS.require_gt, scratch_dir=writer.scratch_dir, unknown_intrinsics=FLAGS.unknown_intrinsics,
        )
        start, end = parse_frame_range(FLAGS.frame_range)
        sequences = [sequence.part(start, end) for sequence in sequences]
        info = build_lib.build_dataset(sequences, FLAGS.output_dir, FLAGS.dataset_format, options,
                                       source_dir=FLAGS.dataset_dir, writer=writer,
                                       extra_info={"intrinsics_known": not FLAGS.unknown_intrinsics,
                                                   "frame_range": [start, end]})
    except (ValueError, OSError) as error:
        if writer is not None:
            writer.abort()
        print(f"error: {error}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{split} {entry['num_snippets']}" for split, entry in info["splits"].items())
    print(f"wrote {FLAGS.output_dir}: {counts} snippets of {options.seq_length} at "
          f"{options.height}x{options.width}")
    return 0


if __name__ == "__main__":
    app.run(main)

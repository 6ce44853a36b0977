"""Renders the synthetic street world: RGB frames with exact depth and camera poses.

    python -m data_prep.synthetic --output_dir=/tmp/synthetic --num_sequences=4
        [--frames_per_sequence=100 --height=128 --width=416 --seed=0 --num_workers=2]

Writes `world.json` and `seq_NNN/{image,depth,poses.txt,intrinsics.txt}` (see
`data_prep/synthetic_world/dataset.py`). The same `--seed` gives the same dataset, bit for bit.
"""

import sys

from absl import app, flags

from data_prep.synthetic_world.dataset import generate_dataset
from sfmlearner_tf.config import ModelConfig

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", None, "Folder to write the dataset to (created).")
flags.DEFINE_integer("num_sequences", 4, "Number of sequences.")
flags.DEFINE_integer("frames_per_sequence", 100, "Frames per sequence (10 frames/s).")
# The networks' input size: records built from the world then need no resize.
flags.DEFINE_integer("height", ModelConfig.height, "Image height in pixels.")
flags.DEFINE_integer("width", ModelConfig.width, "Image width in pixels.")
flags.DEFINE_integer("seed", 0, "Dataset seed; sequence i uses a seed derived from (seed, i).")
flags.DEFINE_bool("moving_objects", False, "Add cars driving in the left lane (oncoming or ahead); "
                  "like real traffic they break the static-scene assumption.")
flags.DEFINE_bool("overwrite", False, "Replace an existing dataset in --output_dir.")
flags.DEFINE_integer("num_workers", 1, "Sequences rendered in parallel (processes).")
flags.mark_flag_as_required("output_dir")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments {argv[1:]}")
    try:
        world = generate_dataset(
            FLAGS.output_dir,
            num_sequences=FLAGS.num_sequences,
            frames_per_sequence=FLAGS.frames_per_sequence,
            height=FLAGS.height,
            width=FLAGS.width,
            seed=FLAGS.seed,
            moving_objects=FLAGS.moving_objects,
            overwrite=FLAGS.overwrite,
            num_workers=FLAGS.num_workers,
        )
    except (FileExistsError, ValueError) as error:
        sys.exit(f"error: {error}")
    print(f"wrote {world['num_sequences']} sequences of {world['frames_per_sequence']} frames "
          f"({world['height']}x{world['width']}) to {FLAGS.output_dir}")


if __name__ == "__main__":
    app.run(main)

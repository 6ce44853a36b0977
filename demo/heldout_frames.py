"""Writes the target frames of a few held-out snippets as PNGs for the device runtime.

  python -m demo.heldout_frames --dataset_dir=RECORDS --output_dir=DIR --count=4
"""

import json
import os

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from demo.heldout import SELECTION_FILE, select_snippets, write_target_frames  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset_dir", None, "Held-out TFRecords (split 'test').")
flags.DEFINE_string("output_dir", None, "Where the target frames are written.")
flags.DEFINE_integer("count", 4, "How many snippets.")
flags.mark_flags_as_required(["dataset_dir", "output_dir"])


def main(argv):
    del argv
    paths = write_target_frames(select_snippets(FLAGS.dataset_dir, FLAGS.count), FLAGS.output_dir)
    # The report draws its panel from the same snippets.
    with open(os.path.join(FLAGS.output_dir, SELECTION_FILE), "w") as f:
        json.dump({"dataset_dir": os.path.abspath(FLAGS.dataset_dir), "count": FLAGS.count}, f)
    print(f"wrote {len(paths)} held-out target frames to {FLAGS.output_dir}")


if __name__ == "__main__":
    app.run(main)

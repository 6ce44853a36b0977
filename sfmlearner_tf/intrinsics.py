"""Prints the camera a `--learn_intrinsics` run has learnt, per sequence, and writes it into the run.

  python -m sfmlearner_tf.intrinsics --model=RUN --dataset_dir=RECORDS [--split=train]

For every sequence of the split: fx, fy, cx, cy (mean ± std over its snippets) at the records'
size, and a warning where the camera rotates too little for the focal length to be learnt
(`inference/learned_intrinsics.py`). The JSON (also at the network's size, with the rotation
statistics) goes to RUN/intrinsics.json, or --output_file. A bad setup prints one line on stderr
and exits with status 2.
"""

import json
import os
import sys

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from sfmlearner_tf import atomic_write  # noqa: E402
from sfmlearner_tf.inference.learned_intrinsics import format_learned_intrinsics, learned_intrinsics  # noqa: E402

flags.DEFINE_string("model", None, "Run directory of a --learn_intrinsics training.")
flags.DEFINE_string("dataset_dir", None, "TFRecords of the sequences (e.g. the ones it trained on).")
flags.DEFINE_string("split", "train", "TFRecord split.")
flags.DEFINE_string("output_file", "", "JSON file (default: RUN/intrinsics.json).")
flags.DEFINE_integer("max_snippets", 0, "Read only the first N snippets (0: all).")
flags.mark_flags_as_required(["model", "dataset_dir"])
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        sys.stderr.write(f"intrinsics: error: unexpected arguments {argv[1:]}\n")
        sys.exit(2)
    try:
        result = learned_intrinsics(FLAGS.model, FLAGS.dataset_dir, FLAGS.split, max_snippets=FLAGS.max_snippets or None)
    except (ValueError, FileNotFoundError) as error:
        sys.stderr.write(f"intrinsics: error: {error}\n")
        sys.exit(2)
    print(format_learned_intrinsics(result))
    output_file = FLAGS.output_file or os.path.join(FLAGS.model, "intrinsics.json")
    atomic_write.write_text(output_file, json.dumps(result, indent=2, sort_keys=True))
    print(f"wrote {output_file}")


if __name__ == "__main__":
    app.run(main)

"""Checks a TFRecord folder written by `build_tfrecords`: every shard's framing and data CRCs.

  python -m data_prep.verify_tfrecords --dataset_dir=RECORDS [--splits=train,val] [--noframing_only]

Reads every record once. Prints one line per split (shards, records) and exits with status 0, or
prints one line naming the shard and record that is damaged (or the missing file) and exits
with status 1.
"""

import sys

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from sfmlearner_tf.data.dataset_info import read_dataset_info  # noqa: E402
from sfmlearner_tf.data.shards import CorruptShardError, verify_shards  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset_dir", None, "Folder with dataset.json and the shards.")
flags.DEFINE_list("splits", [], "Splits to check (default: every split in dataset.json).")
flags.DEFINE_bool("framing_only", False, "Check only the record headers (fast; misses damaged data).")
flags.mark_flag_as_required("dataset_dir")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments {argv[1:]}")
    try:
        splits = FLAGS.splits or sorted(read_dataset_info(FLAGS.dataset_dir)["splits"])
        for split in splits:
            counts = verify_shards(FLAGS.dataset_dir, [split], check_data=not FLAGS.framing_only)
            print(f"{split}: {len(counts)} shards, {sum(counts.values())} records, "
                  f"{'framing' if FLAGS.framing_only else 'framing and data CRCs'} OK")
    except (CorruptShardError, FileNotFoundError, ValueError, KeyError) as error:
        message = error.message if isinstance(error, CorruptShardError) else str(error)
        sys.exit(f"error: {message}")


if __name__ == "__main__":
    app.run(main)

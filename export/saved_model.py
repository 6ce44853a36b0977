"""Exports a training run to a SavedModel with the `serving_default` (depth) and `pose` signatures.

    python -m export.saved_model --checkpoint_dir=runs/demo --output_dir=runs/demo/saved_model

See `export/saved_model_lib.py` for the signatures; `saved_model_cli show --all --dir=...` lists them.
"""

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from export import saved_model_lib  # noqa: E402

_CHECKPOINT_DIR = flags.DEFINE_string("checkpoint_dir", None, "Run directory (latest checkpoint) or checkpoint prefix.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Where the SavedModel directory is written.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace an existing output_dir.")
flags.mark_flags_as_required(["checkpoint_dir", "output_dir"])


def main(argv):
    del argv
    path = saved_model_lib.export_saved_model(_CHECKPOINT_DIR.value, _OUTPUT_DIR.value, overwrite=_OVERWRITE.value)
    print(f"SavedModel written to {path}")


if __name__ == "__main__":
    app.run(main)

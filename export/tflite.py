"""Converts a SavedModel's depth network to .tflite and writes its fidelity report beside it.

    python -m export.tflite --saved_model_dir=runs/demo/saved_model --quantization=int8 \
        --representative_dataset=data/synthetic_tfrecords --output_file=runs/demo/depth_int8.tflite

Formats: float32, float16 (float16 weights), dynamic (int8 weights, float activations), int8
(full integer, uint8 raw-pixel input, calibrated on --num_calibration target frames of
--calibration_split). The report (`<output stem>.fidelity.json`, also printed) has the file size,
the LiteRT latency and the median-scaled abs_rel against the Keras model on --num_eval frames
of --eval_split (and against ground truth where the records have it). Above
--max_abs_rel_vs_keras (default 0.1) the program says why on stderr and exits with status
`exit_status.FINDING` (5), the file and its report kept: the file is then not the network that was
trained.
"""

import sys

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

from absl import app, flags  # noqa: E402

from export import fidelity, tflite_lib  # noqa: E402
from sfmlearner_tf import exit_status  # noqa: E402

_SAVED_MODEL_DIR = flags.DEFINE_string("saved_model_dir", None, "SavedModel written by export.saved_model.")
_QUANTIZATION = flags.DEFINE_enum("quantization", "float32", tflite_lib.QUANTIZATIONS, "Weight/activation format.")
_OUTPUT_FILE = flags.DEFINE_string("output_file", None, "The .tflite file to write.")
_DATASET = flags.DEFINE_string(
    "representative_dataset", "",
    "TFRecord dataset directory (data_prep): int8 calibration frames and held-out frames for the report.")
_CALIBRATION_SPLIT = flags.DEFINE_string("calibration_split", "train", "Split the int8 calibration frames come from.")
_NUM_CALIBRATION = flags.DEFINE_integer("num_calibration", 200, "Number of calibration target frames.")
_EVAL_SPLIT = flags.DEFINE_string("eval_split", "val", "Held-out split for the agreement check.")
_NUM_EVAL = flags.DEFINE_integer("num_eval", 20, "Number of held-out frames in the report.")
_NUM_THREADS = flags.DEFINE_integer("num_threads", 2, "LiteRT interpreter threads for the latency.")
_LATENCY_RUNS = flags.DEFINE_integer("latency_runs", 20, "Timed runs (median reported) after 3 warm-up runs.")
_MAX_ABS_REL = flags.DEFINE_float(
    "max_abs_rel_vs_keras", fidelity.MAX_ABS_REL_VS_KERAS,
    "Exit with an error (files kept) when the model's depth differs from the Keras model's by more "
    "than this mean median-scaled abs_rel on the held-out frames; 0 accepts any.")
flags.mark_flags_as_required(["saved_model_dir", "output_file"])


def main(argv):
    del argv
    report = tflite_lib.export_tflite(
        _SAVED_MODEL_DIR.value,
        _QUANTIZATION.value,
        _OUTPUT_FILE.value,
        dataset_dir=_DATASET.value,
        calibration_split=_CALIBRATION_SPLIT.value,
        num_calibration=_NUM_CALIBRATION.value,
        eval_split=_EVAL_SPLIT.value,
        num_eval=_NUM_EVAL.value,
        num_threads=_NUM_THREADS.value,
        latency_runs=_LATENCY_RUNS.value,
    )
    print(fidelity.format_table(report))
    print(f"wrote {_OUTPUT_FILE.value} and {tflite_lib.report_path(_OUTPUT_FILE.value)}")
    problem = fidelity.agreement_problem(report, _MAX_ABS_REL.value)
    if problem:
        sys.stderr.write(f"export.tflite: {problem}\n")
        sys.exit(exit_status.FINDING)


if __name__ == "__main__":
    app.run(main)

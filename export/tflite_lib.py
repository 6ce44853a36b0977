"""TFLite conversion of the depth network: float32, float16, dynamic-range and full-integer int8.

The converter reads the SavedModel's `disparity_logits` signature (export/inference_graph.py):
`pixels` [1, H, W, 3] -> `disparity_logits` [1, H, W, 1], `disp = 10 * sigmoid(x) + 0.01`,
`depth = 1 / disp`. Every format has that one input and one output:

| quantization | weights  | activations | input `pixels`               | output `disparity_logits`     |
|--------------|----------|-------------|------------------------------|-------------------------------|
| float32      | float32  | float32     | float32, 0..255              | float32                       |
| float16      | float16  | float32     | float32, 0..255              | float32                       |
| dynamic      | int8     | float32*    | float32, 0..255              | float32                       |
| int8         | int8     | int8        | uint8 raw pixels (scale 1, zero point 0) | float32 (one DEQUANTIZE) |

(*dynamic: int8 kernels with activations quantized on the fly.) The int8 model's output is
dequantized in the graph: the same information as an int8 output with its scale, simpler for
clients, and it costs one H x W elementwise op. Its input quantization is pinned to scale 1 and
zero point 0 (see `representative_images`), so a device feeds camera pixels unchanged.

Latency (LiteRT 2.3, XNNPACK, 128x416, 2 threads, the 2-core AMD EPYC of BUILD.md, which has
AVX-512 VNNI): int8 ran in 11.7-14.8 ms, float32 in 43.5-47.7 ms. Converted as trained, the int8
TRANSPOSE_CONVs (with the RELU they are not fused with) fall back to LiteRT's reference kernel and
split the graph into 8 XNNPACK partitions; the export graph's phase-conv rewrite
(inference_graph.py, exact) avoids that. Fidelity: a 128x416 network trained 1500 steps with the
loss's `logit_range_weight=0.01` gave int8 depth within abs_rel 0.0077 of Keras; without that
term its saturated logits drift and the decoder's activations with them, and int8 fell to 0.41
(BUILD.md, "int8 fidelity"). `fidelity.agreement_problem` turns such a report into an error.
"""

import os
import re
from typing import Callable, Iterable, Optional

import numpy as np
import tensorflow as tf

from export import fidelity
from export.frames import Frame, read_target_frames
from export.saved_model_lib import TFLITE_SIGNATURE, read_export_config
from sfmlearner_tf import atomic_write
from sfmlearner_tf.quiet_start import CONVERTER_NOTICES, notices_dropped

QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")
INTEGER_DTYPES = (np.int8, np.uint8, np.int32)


class QuantizationError(ValueError):
    """A graph that full-integer quantization cannot handle; the message names the op."""


def representative_images(images: Iterable[np.ndarray], input_name: str = "pixels") -> Callable:
    """A converter `representative_dataset` over uint8 [H, W, 3] frames.

    Each frame's first two pixels are set to black and white: calibration records the input's
    observed min and max, and pinning them to 0 and 255 makes the uint8 input's quantization
    exactly scale 1, zero point 0 (raw pixel values), whatever the frames' contrast. Two pixels
    out of H x W do not move the other activation ranges measurably.
    """
    frames = [np.asarray(image) for image in images]
    if not frames:
        raise ValueError("the representative dataset is empty: no calibration frames were read")

    def generate():
        for frame in frames:
            pixels = frame.astype(np.float32)[None].copy()
            pixels[0, 0, 0, :] = 0.0
            pixels[0, 0, 1, :] = 255.0
            yield {input_name: pixels}

    return generate


def _converter(saved_model_dir: str, signature: str, quantization: str,
               representative_dataset: Optional[Callable]) -> tf.lite.TFLiteConverter:
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir, signature_keys=[signature])
    if quantization == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantization == "dynamic":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif quantization == "int8":
        if representative_dataset is None:
            raise ValueError("int8 quantization needs a representative dataset (calibration frames)")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.float32
    return converter


def convert(saved_model_dir: str, quantization: str, representative_dataset: Optional[Callable] = None,
            signature: str = TFLITE_SIGNATURE) -> bytes:
    """Converts one signature of a SavedModel to a .tflite flatbuffer.

    Args:
      saved_model_dir: a SavedModel written by `export.saved_model_lib.export_saved_model`.
      quantization: one of QUANTIZATIONS.
      representative_dataset: for int8, a generator function of `{input name: float32 [1, H, W, 3]}`
        (see `representative_images`).
      signature: the signature to convert.

    Raises:
      QuantizationError: int8 conversion met an op without an int8 kernel; the message names it.
    """
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {QUANTIZATIONS}, got {quantization!r}")
    converter = _converter(saved_model_dir, signature, quantization, representative_dataset)
    try:
        with notices_dropped(CONVERTER_NOTICES):
            model = converter.convert()
    except Exception as error:  # the converter raises ConverterError and plain RuntimeErrors alike
        if quantization != "int8":
            raise
        ops = sorted(set(re.findall(r"'(tfl?\.[A-Za-z0-9_]+)'", str(error))))
        raise QuantizationError(
            f"full-integer (int8) conversion of {saved_model_dir!r} failed"
            + (f" at the op(s) {ops}" if ops else "")
            + ": these have no int8 kernel in TFLITE_BUILTINS_INT8. Use --quantization=dynamic "
            "(int8 weights, float activations) or float16 instead. Converter said: "
            + str(error).strip().splitlines()[-1][:500]
        ) from error
    if quantization == "int8":
        # The converter does not enforce TFLITE_BUILTINS_INT8: an op without an int8 kernel is
        # silently wrapped in DEQUANTIZE/QUANTIZE and left in float. Name it instead.
        leftover = float_ops(model)
        if leftover:
            raise QuantizationError(
                f"full-integer (int8) conversion of {saved_model_dir!r} left the op(s) {leftover} in float: "
                "they have no int8 kernel. Use --quantization=dynamic (int8 weights, float activations) "
                "or float16 instead."
            )
        check_pixel_input(model)
    return model


def _interpreter(model: bytes):
    """An interpreter for inspecting `model`: without XNNPACK, whose DELEGATE node would hide ops."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(
        model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    interpreter.allocate_tensors()
    return interpreter


def check_pixel_input(model: bytes) -> None:
    """Raises unless an int8 model's uint8 input is raw pixels (scale 1, zero point 0)."""
    detail = _interpreter(model).get_input_details()[0]
    scale, zero_point = detail["quantization"]
    if detail["dtype"] != np.uint8 or not np.isclose(scale, 1.0, rtol=1e-6) or zero_point != 0:
        raise ValueError(
            f"int8 model input is {np.dtype(detail['dtype']).name} with scale {scale} and zero point "
            f"{zero_point}; expected uint8 raw pixels (scale 1, zero point 0)"
        )


def float_ops(model: bytes) -> list[str]:
    """Names of the ops of `model` (other than QUANTIZE/DEQUANTIZE) that read or write float."""
    interpreter = _interpreter(model)
    dtypes = {detail["index"]: detail["dtype"] for detail in interpreter.get_tensor_details()}
    found = []
    # `_get_ops_details` is the interpreter's only listing of the graph's ops and their tensors.
    for op in interpreter._get_ops_details():
        if op["op_name"] in ("QUANTIZE", "DEQUANTIZE"):
            continue
        tensors = [i for i in list(op["inputs"]) + list(op["outputs"]) if i >= 0]
        if any(dtypes.get(i) in (np.float32, np.float16) for i in tensors):
            found.append(op["op_name"])
    return sorted(set(found))


def non_integer_tensors(model: bytes) -> list[str]:
    """Names and dtypes of the tensors of `model` that are not int8, uint8 or int32.

    For the int8 model this is exactly the dequantized output (and the DEQUANTIZE input's float
    twin is not a tensor: DEQUANTIZE reads int8 and writes float32).
    """
    interpreter = _interpreter(model)
    return [
        f"{detail['name']}:{np.dtype(detail['dtype']).name}"
        for detail in interpreter.get_tensor_details()
        if detail["dtype"] not in INTEGER_DTYPES
    ]


def write_tflite(model: bytes, output_file: str) -> None:
    """Writes the flatbuffer atomically (temporary name, then rename)."""
    atomic_write.write_bytes(output_file, model)


def report_path(output_file: str) -> str:
    """`depth_int8.tflite` -> `depth_int8.fidelity.json`, beside it."""
    return os.path.splitext(output_file)[0] + ".fidelity.json"


def export_tflite(saved_model_dir: str, quantization: str, output_file: str, dataset_dir: str = "",
                  calibration_split: str = "train", num_calibration: int = 200, eval_split: str = "val",
                  num_eval: int = 20, num_threads: int = 2, latency_runs: int = 20) -> dict:
    """Converts the SavedModel's depth network, writes the .tflite and its fidelity report.

    Args:
      saved_model_dir: written by `export.saved_model_lib.export_saved_model`.
      quantization: one of QUANTIZATIONS.
      output_file: the .tflite path; the report goes to `report_path(output_file)`.
      dataset_dir: TFRecords (data_prep) for int8 calibration (`calibration_split`, the first
        `num_calibration` target frames) and for the held-out agreement check (`eval_split`, the
        first `num_eval`). Required for int8; without it the report has size and latency only.
      num_threads, latency_runs: LiteRT latency measurement settings.

    Returns:
      The report (also written as JSON).
    """
    config = read_export_config(saved_model_dir)
    height, width = config.model.height, config.model.width
    representative = None
    if quantization == "int8":
        if not dataset_dir:
            raise ValueError("int8 quantization needs --representative_dataset=<TFRecord dataset dir>")
        calibration = [f.image for f in read_target_frames(dataset_dir, calibration_split, height, width, num_calibration)]
        print(f"calibrating on {len(calibration)} {calibration_split!r} frames of {dataset_dir}", flush=True)
        representative = representative_images(calibration)
    model = convert(saved_model_dir, quantization, representative)
    write_tflite(model, output_file)
    if dataset_dir:
        frames = list(read_target_frames(dataset_dir, eval_split, height, width, num_eval))
    else:
        # No held-out data: latency on a mid-grey frame; agreement with Keras is then not measured.
        frames = [Frame(np.full([height, width, 3], 128, np.uint8), None)]
    report = fidelity.fidelity_report(output_file, saved_model_dir, frames, quantization,
                                      num_threads=num_threads, runs=latency_runs)
    if not dataset_dir:
        for key in ("abs_rel_vs_keras", "abs_rel_vs_keras_max", "num_images"):
            report.pop(key)
    else:
        report["eval_split"] = eval_split
    if quantization == "int8":
        report["calibration_frames"] = num_calibration
        report["non_integer_tensors"] = non_integer_tensors(model)
    fidelity.write_report(report, report_path(output_file))
    return report

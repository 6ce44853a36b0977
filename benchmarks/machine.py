"""What a benchmark figure was measured on: the CPU's model and vector extensions, cores, TF settings.

Every benchmark's JSON carries `machine()`, so that two figures can be compared: the same step is
2-4x faster on an AVX-512 CPU than on an AVX2-only one of the same family.
"""

import os
import platform

# The instruction-set extensions that decide TensorFlow's CPU speed (oneDNN's kernels, bfloat16).
RELEVANT_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


def cpu_model_and_flags() -> tuple[str, list[str]]:
    """(model name, the RELEVANT_FLAGS the CPU has), from /proc/cpuinfo ('unknown', [] elsewhere)."""
    model, flags = platform.processor() or "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model in ("unknown", "", platform.machine()):
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return model, [flag for flag in RELEVANT_FLAGS if flag in flags]


def machine() -> dict:
    import tensorflow as tf

    model, flags = cpu_model_and_flags()
    return {
        "cpu_model": model,
        "cpu_flags": flags,
        "cpu_count": os.cpu_count(),
        "tensorflow": tf.__version__,
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", ""),
    }

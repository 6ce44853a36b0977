"""What this CPU can do fast, read from /proc/cpuinfo, and the CPU settings chosen from it.

Used by `quiet_start.start_tensorflow()` before TensorFlow loads (so it must not import TensorFlow):
oneDNN's switch is read once, when TensorFlow starts. The same 2-core machine type comes with an
AVX-512 CPU (VNNI, BF16) or an AVX2-only one, and the fast settings differ (BUILD.md, 'CPU settings'):

| CPU | oneDNN on | oneDNN off | bfloat16 mixed precision |
|---|---|---|---|
| AVX-512 + avx512_bf16 | fastest | 2.7x slower | 0.7x float32's time |
| AVX2 only | fastest | 1.3-1.8x slower | 5x slower than float32 |
"""

import functools
import os
import platform

# The instruction-set extensions that decide TensorFlow's CPU speed (oneDNN's kernels, bfloat16).
RELEVANT_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
# Either gives native bfloat16 dot products; without them oneDNN emulates bfloat16, slowly.
NATIVE_BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")
# Read in place of /proc/cpuinfo when set: how the tests give a program a CPU of their choosing.
CPUINFO_ENV = "SFMLEARNER_CPUINFO"


@functools.lru_cache(maxsize=1)
def cpu_model_and_flags() -> tuple:
    """(model name, the RELEVANT_FLAGS this CPU has), from /proc/cpuinfo or $SFMLEARNER_CPUINFO
    ('unknown', () where neither can be read)."""
    model, flags = platform.processor() or "unknown", set()
    try:
        with open(os.environ.get(CPUINFO_ENV, "/proc/cpuinfo")) as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model in ("unknown", "", platform.machine()):
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return model, tuple(flag for flag in RELEVANT_FLAGS if flag in flags)


def onednn_default(flags) -> str:
    """TF_ENABLE_ONEDNN_OPTS for a CPU with these flags: "1" with AVX2 or AVX-512, else "0".

    TensorFlow's x86 wheels switch oneDNN on only for CPUs they recognise. Measured on the same
    2-core AMD EPYC machine type (BUILD.md, 'CPU settings'): with AVX-512 the float32 step is 2.7x
    faster with oneDNN; with AVX2 only, 1.3x (DispNet, 128x416) to 1.8x (DispNet, 64x208) faster.
    (An earlier 1.26x-slower figure on AVX2 did not reproduce.) Without AVX2 it was never measured,
    and TensorFlow's own choice stands.
    """
    return "1" if "avx2" in flags or "avx512f" in flags else "0"


def missing_bfloat16_support(flags) -> str:
    """'' when the CPU has native bfloat16, else a one-line reason naming what it lacks."""
    if any(flag in flags for flag in NATIVE_BFLOAT16_FLAGS):
        return ""
    return f"this CPU has neither {' nor '.join(NATIVE_BFLOAT16_FLAGS)}, so bfloat16 is emulated"

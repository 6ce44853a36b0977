"""CPU-dependent defaults: oneDNN only with AVX2 or AVX-512, bfloat16 only with native
instructions, and the user's own TF_ENABLE_ONEDNN_OPTS always wins. Every CPU here is a fake one
that the test writes, so the tests mean the same on an AVX2 machine and an AVX-512 one."""

import os
import subprocess
import sys

import pytest

from sfmlearner_tf import cpu_features

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AVX512_FLAGS = "fpu sse2 avx avx2 fma avx512f avx512dq avx512_vnni avx512_bf16"
AVX2_FLAGS = "fpu sse2 avx avx2 fma"
SSE_ONLY_FLAGS = "fpu sse2 sse4_2"


def _write_cpuinfo(path, model: str, flags: str) -> str:
    # Two processors, as /proc/cpuinfo lists them: the first one's model and flags count.
    block = f"processor\t: {{}}\nvendor_id\t: AuthenticAMD\nmodel name\t: {model}\nflags\t\t: {flags}\n\n"
    path.write_text(block.format(0) + block.format(1))
    return str(path)


def test_onednn_is_on_only_with_avx2_or_avx512():
    assert cpu_features.onednn_default(("avx2", "fma", "avx512f", "avx512_vnni")) == "1"
    assert cpu_features.onednn_default(("avx2", "fma")) == "1"
    assert cpu_features.onednn_default(()) == "0"


def test_bfloat16_needs_avx512_bf16_or_amx():
    assert cpu_features.missing_bfloat16_support(("avx512f", "avx512_bf16")) == ""
    assert cpu_features.missing_bfloat16_support(("amx_bf16",)) == ""
    assert "neither avx512_bf16 nor amx_bf16" in cpu_features.missing_bfloat16_support(("avx2", "avx512f"))


def test_model_and_only_known_flags_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv(cpu_features.CPUINFO_ENV, _write_cpuinfo(tmp_path / "cpuinfo", "AMD EPYC 7B13", AVX512_FLAGS))
    cpu_features.cpu_model_and_flags.cache_clear()
    try:
        model, flags = cpu_features.cpu_model_and_flags()
    finally:
        cpu_features.cpu_model_and_flags.cache_clear()
    assert model == "AMD EPYC 7B13"
    assert flags == ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16")


def _onednn_seen_by_tensorflow(cpuinfo: str, env_value) -> tuple:
    """(TF_ENABLE_ONEDNN_OPTS after `start_tensorflow()`, whether TensorFlow then runs oneDNN)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    env[cpu_features.CPUINFO_ENV] = cpuinfo
    if env_value is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = env_value
    code = ("import os, sfmlearner_tf\n"
            "sfmlearner_tf.start_tensorflow()\n"
            "from tensorflow.python.util import _pywrap_util_port\n"
            "print(os.environ['TF_ENABLE_ONEDNN_OPTS'], _pywrap_util_port.IsMklEnabled())")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            check=True)
    setting, running = result.stdout.split()
    return setting, running == "True"


@pytest.mark.parametrize("flags, expected", [(AVX512_FLAGS, ("1", True)), (AVX2_FLAGS, ("1", True)),
                                            (SSE_ONLY_FLAGS, ("0", False))])
def test_the_default_follows_the_cpu_and_tensorflow_runs_it(tmp_path, flags, expected):
    cpuinfo = _write_cpuinfo(tmp_path / "cpuinfo", "fake", flags)
    assert _onednn_seen_by_tensorflow(cpuinfo, None) == expected


def test_the_user_setting_wins(tmp_path):
    sse_only = _write_cpuinfo(tmp_path / "sse", "fake", SSE_ONLY_FLAGS)
    avx2 = _write_cpuinfo(tmp_path / "avx2", "fake", AVX2_FLAGS)
    avx512 = _write_cpuinfo(tmp_path / "avx512", "fake", AVX512_FLAGS)
    assert _onednn_seen_by_tensorflow(sse_only, "1") == ("1", True)
    assert _onednn_seen_by_tensorflow(avx2, "0") == ("0", False)
    assert _onednn_seen_by_tensorflow(avx512, "0") == ("0", False)


_REPORT = "from sfmlearner_tf.quiet_start import onednn_in_effect; print('in effect', onednn_in_effect())"


@pytest.mark.parametrize("tensorflow_first", [False, True])
def test_a_onednn_setting_that_came_too_late_is_reported_not_assumed(tmp_path, tensorflow_first):
    # On a (fake) CPU without AVX2 the project asks for oneDNN off. A program that imported TensorFlow
    # first, with oneDNN on, runs with it on: it is told so, and asking TensorFlow says so too.
    env = {k: v for k, v in os.environ.items() if k not in ("TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL")}
    env[cpu_features.CPUINFO_ENV] = _write_cpuinfo(tmp_path / "cpuinfo", "Intel Atom", SSE_ONLY_FLAGS)
    env["PYTHONPATH"] = REPO_ROOT
    before = ("import os; os.environ['TF_ENABLE_ONEDNN_OPTS'] = '1'; import tensorflow; "
              "del os.environ['TF_ENABLE_ONEDNN_OPTS']; " if tensorflow_first else "")
    start = "import sfmlearner_tf; sfmlearner_tf.start_tensorflow(); "
    result = subprocess.run([sys.executable, "-c", before + start + _REPORT], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"in effect {tensorflow_first}" in result.stdout
    warned = "imported before start_tensorflow() and runs with oneDNN on, not TF_ENABLE_ONEDNN_OPTS=0" in result.stderr
    assert warned == tensorflow_first, result.stderr

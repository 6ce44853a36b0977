"""CPU-dependent defaults: oneDNN only on AVX-512, bfloat16 only with native instructions, and the
user's own TF_ENABLE_ONEDNN_OPTS always wins."""

import os
import subprocess
import sys

from sfmlearner_tf import cpu_features

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_onednn_is_on_only_with_avx512():
    assert cpu_features.onednn_default(("avx2", "fma", "avx512f", "avx512_vnni")) == "1"
    assert cpu_features.onednn_default(("avx2", "fma")) == "0"
    assert cpu_features.onednn_default(()) == "0"


def test_bfloat16_needs_avx512_bf16_or_amx():
    assert cpu_features.missing_bfloat16_support(("avx512f", "avx512_bf16")) == ""
    assert cpu_features.missing_bfloat16_support(("amx_bf16",)) == ""
    assert "neither avx512_bf16 nor amx_bf16" in cpu_features.missing_bfloat16_support(("avx2", "avx512f"))


def test_this_cpu_is_read_and_only_known_flags_are_kept():
    model, flags = cpu_features.cpu_model_and_flags()
    assert model
    assert set(flags) <= set(cpu_features.RELEVANT_FLAGS)
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            listed = f.read()
        assert all(flag in listed for flag in flags)


def _onednn_setting_seen_by_tensorflow(env_value):
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if env_value is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = env_value
    code = "import os, sfmlearner_tf; print(os.environ['TF_ENABLE_ONEDNN_OPTS'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()


def test_the_default_follows_the_cpu_and_the_user_setting_wins():
    flags = cpu_features.cpu_model_and_flags()[1]
    assert _onednn_setting_seen_by_tensorflow(None) == cpu_features.onednn_default(flags)
    assert _onednn_setting_seen_by_tensorflow("0") == "0"
    assert _onednn_setting_seen_by_tensorflow("1") == "1"

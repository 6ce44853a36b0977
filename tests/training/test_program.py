"""`python -m sfmlearner_tf.train` as a user runs it: bad flags, SIGKILL and SIGTERM, resume."""

import json
import re
import signal
import subprocess
import sys
import time

import tensorflow as tf

from tests.training.tiny_runs import REPO_ROOT, python_env, tiny_flags

TRAIN = ["-m", "sfmlearner_tf.train"]


def _start(args, log_path) -> subprocess.Popen:
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, *TRAIN, *args], cwd=REPO_ROOT, env=python_env(), stdout=log, stderr=subprocess.STDOUT
        )


def _wait_for(condition, process, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"training exited with {process.returncode} before {what}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"no {what} after {timeout} s")
        time.sleep(0.2)


def _progress_steps(text: str) -> list[int]:
    return [int(step) for step in re.findall(r"step (\d+)/\d+ \| loss", text)]


def test_sigkill_then_resume_then_sigterm(tiny_dataset, tmp_path):
    run_dir = tmp_path / "run"
    flags = tiny_flags(tiny_dataset, run_dir, max_steps=100000, save_every=2, summary_every=1000)
    first = _start(flags, tmp_path / "first.log")
    _wait_for(lambda: tf.train.latest_checkpoint(str(run_dir)) is not None, first, 400, "checkpoint")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    saved = int(tf.train.latest_checkpoint(str(run_dir)).rsplit("-", 1)[1])
    assert saved >= 2 and saved % 2 == 0

    second_log = tmp_path / "second.log"
    second = _start(flags, second_log)
    _wait_for(lambda: _progress_steps(second_log.read_text()), second, 400, "progress line after resume")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=120) == 0, second_log.read_text()[-3000:]
    text = second_log.read_text()
    assert f"resumed from {run_dir}/ckpt-{saved}: step {saved}, optimizer iterations {saved}," in text
    steps = _progress_steps(text)
    assert steps[0] == saved + 1
    stopped = int(re.search(r"SIGTERM received: saving at step (\d+) and stopping", text).group(1))
    assert stopped == steps[-1]
    assert tf.train.latest_checkpoint(str(run_dir)).endswith(f"ckpt-{stopped}")


def _bad_runs(tiny_dataset, tmp_path) -> dict:
    empty = tmp_path / "empty"
    empty.mkdir()
    no_shards = tmp_path / "no_shards"
    no_shards.mkdir()
    info = json.loads((tiny_dataset / "dataset.json").read_text())
    info["splits"]["train"]["shards"] = []
    (no_shards / "dataset.json").write_text(json.dumps(info))
    run = str(tmp_path / "run")
    return {
        "does not exist": tiny_flags(tmp_path / "missing", run),
        "dataset.json not found": tiny_flags(empty, run),
        "has no shards": tiny_flags(no_shards, run),
        "batch_size must be >= 1, got 0": tiny_flags(tiny_dataset, run, batch_size=0),
        "checkpoint_dir is required": tiny_flags(tiny_dataset, ""),
    }


def test_bad_flags_give_one_clear_line(tiny_dataset, tmp_path):
    cases = _bad_runs(tiny_dataset, tmp_path)
    processes = {
        expected: subprocess.Popen(
            [sys.executable, *TRAIN, *flags], cwd=REPO_ROOT, env=python_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for expected, flags in cases.items()
    }
    for expected, process in processes.items():
        _, stderr = process.communicate(timeout=300)
        errors = [line for line in stderr.splitlines() if line.startswith("train: error:")]
        assert process.returncode == 2, stderr
        assert len(errors) == 1 and expected in errors[0], stderr
        assert "Traceback" not in stderr


def test_max_seconds_stops_and_saves(tiny_dataset, tmp_path):
    run_dir = tmp_path / "run"
    flags = tiny_flags(tiny_dataset, run_dir, max_steps=100000, save_every=100000, max_seconds=3)
    log = tmp_path / "log"
    process = _start(flags, log)
    assert process.wait(timeout=300) == 0, log.read_text()[-3000:]
    text = log.read_text()
    stopped = int(re.search(r"max_seconds=3 reached: saving at step (\d+) and stopping", text).group(1))
    assert tf.train.latest_checkpoint(str(run_dir)).endswith(f"ckpt-{stopped}")


def _quiet_env() -> dict:
    env = python_env()
    del env["TF_CPP_MIN_LOG_LEVEL"]  # as a user's shell has it
    # oneDNN on whatever the CPU (the project turns it off without AVX2), so that TensorFlow prints its
    # oneDNN notice at start-up on every machine and the checks below can fail anywhere.
    env["TF_ENABLE_ONEDNN_OPTS"] = "1"
    return env


def test_programs_start_with_their_own_words(tiny_dataset, tmp_path):
    helped = subprocess.run([sys.executable, *TRAIN, "--help"], cwd=REPO_ROOT, env=_quiet_env(),
                            capture_output=True, text=True, timeout=120)
    assert helped.stderr == ""  # absl's --help exits with 1 after printing the help
    assert helped.stdout.splitlines()[0].startswith("Trains SfMLearner's depth and pose networks")
    run = subprocess.run([sys.executable, *TRAIN, *tiny_flags(tiny_dataset, tmp_path / "run", max_steps=1)],
                         cwd=REPO_ROOT, env=_quiet_env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stderr.splitlines()
    assert "fresh: step 0" in lines[0], lines[:5]
    for notice in ("oneDNN", "cuda", "cuInit", "absl::InitializeLog", "instructions"):
        assert notice not in run.stderr, notice
    # The usual TF variable brings TensorFlow's own lines back.
    verbose = subprocess.run([sys.executable, *TRAIN, "--help"], cwd=REPO_ROOT,
                             env=dict(_quiet_env(), TF_CPP_MIN_LOG_LEVEL="0"), capture_output=True, text=True,
                             timeout=120)
    assert "oneDNN custom operations are on" in verbose.stderr

"""`python -m data_prep.synthetic`: the folder layout, a faithful round trip, refusing to overwrite."""

import json
import os
import subprocess
import sys

import numpy as np

from data_prep.synthetic_world import render_sequence
from data_prep.synthetic_world.dataset import read_sequence, sequence_seed
from tests.conftest import REPO_ROOT

ARGS = ["--num_sequences=2", "--frames_per_sequence=3", "--height=32", "--width=96", "--seed=5"]


def _run(output_dir, *extra):
    return subprocess.run(
        [sys.executable, "-m", "data_prep.synthetic", f"--output_dir={output_dir}", *ARGS, *extra],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )


def test_cli_layout_round_trip_and_overwrite(tmp_path):
    output = tmp_path / "world"
    result = _run(output, "--num_workers=2")
    assert result.returncode == 0, result.stderr
    assert "seq_000" in result.stdout and "seq_001" in result.stdout
    assert sorted(os.listdir(output)) == ["seq_000", "seq_001", "world.json"]

    world = json.loads((output / "world.json").read_text())
    assert world["generator"] == "data_prep.synthetic" and world["seed"] == 5
    sizes = (world["height"], world["width"], world["num_sequences"], world["frames_per_sequence"])
    assert sizes == (32, 96, 2, 3)
    assert world["moving_objects"] is False and world["fps"] == 10.0
    assert sorted(os.listdir(output / "seq_001" / "image")) == ["000000.png", "000001.png", "000002.png"]
    assert sorted(os.listdir(output / "seq_001" / "depth")) == ["000000.npy", "000001.npy", "000002.npy"]

    # What is on disk is exactly what the library renders for the sequence's derived seed.
    on_disk = read_sequence(str(output / "seq_001"))
    expected = render_sequence(sequence_seed(5, 1), 3, 32, 96)
    np.testing.assert_array_equal(on_disk["images"], expected["images"])
    np.testing.assert_array_equal(on_disk["depths"], expected["depths"])
    np.testing.assert_allclose(on_disk["poses"], expected["poses"], rtol=0, atol=1e-11)
    np.testing.assert_allclose(on_disk["intrinsics"], world["intrinsics"])

    before = (output / "seq_000" / "poses.txt").read_text()
    refused = _run(output)
    assert refused.returncode != 0 and "--overwrite" in refused.stderr
    assert (output / "seq_000" / "poses.txt").read_text() == before

    replaced = _run(output, "--overwrite", "--num_sequences=1")
    assert replaced.returncode == 0, replaced.stderr
    assert sorted(os.listdir(output)) == ["seq_000", "world.json"]
    assert (output / "seq_000" / "poses.txt").read_text() == before

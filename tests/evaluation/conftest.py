"""Fixtures of the evaluation tests: a tiny run directory and tiny TFRecords, built once per module."""

import pytest

from tests.evaluation.builders import make_run_dir, make_tfrecords


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> str:
    return make_run_dir(str(tmp_path_factory.mktemp("run")))


@pytest.fixture(scope="module")
def tfrecords_dir(tmp_path_factory) -> str:
    return make_tfrecords(str(tmp_path_factory.mktemp("records")))


@pytest.fixture(scope="module")
def networks(run_dir):
    """(Config, DispNet, PoseExpNet) of `run_dir`, restored once per module."""
    from sfmlearner_tf.inference.predict import load_networks

    return load_networks(run_dir)


@pytest.fixture(scope="module")
def depth_model(networks):
    from sfmlearner_tf.inference.predict import depth_model_from_networks

    return depth_model_from_networks(*networks)

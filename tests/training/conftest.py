"""Fixtures of the training tests."""

import pathlib

import pytest

from tests.training.tiny_runs import write_tiny_dataset


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> pathlib.Path:
    return write_tiny_dataset(tmp_path_factory.mktemp("tiny_dataset"))

"""Flags generated from the config dataclasses."""

import dataclasses
import subprocess
import sys

import pytest
from absl import flags

from sfmlearner_tf.config import SECTIONS, Config, EvalConfig, LossConfig
from sfmlearner_tf.flags import config_from_flags, define_config_flags, define_field_flags
from tests.conftest import REPO_ROOT


def _parsed(*argv: str) -> flags.FlagValues:
    values = flags.FlagValues()
    define_config_flags(values)
    values(["program", *argv])
    return values


def test_every_field_is_a_flag_with_the_dataclass_default():
    values = _parsed()
    for section in SECTIONS.values():
        for field in dataclasses.fields(section):
            assert values[field.name].default == getattr(section(), field.name), field.name
    assert config_from_flags(values) == Config()


def test_flags_override_fields_and_types():
    values = _parsed("--smooth_weight=0.1", "--noaugment", "--batch_size=8", "--strategy=mirrored", "--ssim")
    config = config_from_flags(values)
    assert config.loss.smooth_weight == 0.1 and config.loss.ssim is True
    assert config.data.augment is False and config.data.batch_size == 8
    assert config.train.strategy == "mirrored"
    assert config.model == Config().model


def test_help_text_comes_from_the_field_metadata():
    values = _parsed()
    field = {field.name: field for field in dataclasses.fields(LossConfig)}["explain_weight"]
    assert values["explain_weight"].help == "[loss] " + field.metadata["help"]
    assert "explainability mask off" in values["explain_weight"].help


@pytest.mark.parametrize("section", [*SECTIONS.values(), EvalConfig], ids=lambda cls: cls.__name__)
def test_every_config_field_has_help(section):
    for field in dataclasses.fields(section):
        assert field.metadata.get("help", "").strip(), f"{section.__name__}.{field.name} has no help"


def test_a_field_without_help_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Undocumented:
        size: int = 3

    with pytest.raises(ValueError, match="Undocumented.size has no metadata"):
        define_field_flags(Undocumented, "x", flags.FlagValues())


def test_some_fields_of_another_dataclass_become_flags():
    values = flags.FlagValues()
    define_field_flags(EvalConfig, "eval", values, names=("min_depth", "median_scaling"))
    values(["program", "--nomedian_scaling"])
    assert values["min_depth"].value == EvalConfig.min_depth and values["median_scaling"].value is False
    assert "crop" not in values and values["min_depth"].help.startswith("[eval] Ground truth kept above")
    with pytest.raises(ValueError, match="no fields"):
        define_field_flags(EvalConfig, "eval", flags.FlagValues(), names=("depth",))


def test_helpfull_of_the_train_program_shows_the_field_help():
    completed = subprocess.run([sys.executable, "-m", "sfmlearner_tf.train", "--helpfull"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 1, completed.stderr[-3000:]  # absl's --helpfull exits with 1
    help_text = " ".join(completed.stdout.split())
    assert "--smooth_warmup_steps: [loss] The smoothness weight ramps linearly" in help_text, help_text[-3000:]


def test_flags_not_given_keep_the_base_config():
    base = Config(loss=LossConfig(smooth_weight=0.3, explain_weight=0.0))
    config = config_from_flags(_parsed("--explain_weight=0.1"), base=base)
    assert config.loss.smooth_weight == 0.3
    assert config.loss.explain_weight == 0.1


def test_invalid_value_is_a_value_error_quoting_it():
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        config_from_flags(_parsed("--batch_size=0"))


def test_unknown_strategy_is_refused_by_the_flag():
    with pytest.raises(flags.IllegalFlagValueError):
        _parsed("--strategy=parameter_server")


def test_unknown_section_is_an_error():
    with pytest.raises(ValueError, match="unknown config section 'optim'"):
        define_config_flags(flags.FlagValues(), sections=("optim",))


def test_only_requested_sections_are_defined():
    values = flags.FlagValues()
    define_config_flags(values, sections=("model",))
    values(["program", "--height=64"])
    assert "height" in values and "batch_size" not in values
    assert config_from_flags(values).model.height == 64

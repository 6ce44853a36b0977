"""The flag files in configs/ parse into valid training configs, with the settings they document."""

import os

import pytest
from absl import flags

from sfmlearner_tf.flags import config_from_flags, define_config_flags

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "configs")


def _config(name: str):
    flag_values = flags.FlagValues()
    define_config_flags(flag_values)
    flag_values(["train", f"--flagfile={os.path.join(CONFIGS, name)}"])
    return config_from_flags(flag_values)


@pytest.mark.parametrize("name", sorted(os.listdir(CONFIGS)))
def test_every_flag_file_gives_a_valid_config(name):
    _config(name)


def test_the_real_video_recipe_is_the_ports_loss_network_and_data():
    config = _config("real_video.flags")
    loss = config.loss
    assert (loss.explain_weight, loss.smooth_weight, loss.ssim) == (0.0, 0.1, False)
    assert (loss.smoothness, loss.photometric_scales) == ("depth", 1)
    assert not loss.min_reprojection and not loss.auto_mask
    assert (config.model.activation, config.model.padding, config.data.augment) == ("relu", "symmetric", False)


def test_the_paper_flags_restore_the_papers_loss_weights_over_the_defaults():
    loss = _config("paper.flags").loss
    assert (loss.explain_weight, loss.smooth_weight) == (0.2, 0.5)
    assert loss.explainability

"""config.json round trip and the resume check."""

import json

import pytest

from sfmlearner_tf.config import Config, DataConfig, LossConfig, ModelConfig, TrainConfig
from sfmlearner_tf.run_dir import check_resume_config, config_differences, read_config, write_config


def test_config_round_trips_through_the_run_directory(tmp_path):
    config = Config(loss=LossConfig(ssim=True), train=TrainConfig(checkpoint_dir=str(tmp_path)))
    write_config(str(tmp_path), config)
    assert read_config(str(tmp_path)) == config
    assert not list(tmp_path.glob("*.tmp"))


def test_training_fields_may_change_on_resume():
    saved = Config()
    requested = Config(train=TrainConfig(max_steps=5), data=DataConfig(batch_size=8))
    # The two configs do differ, in the train and data sections only...
    assert config_differences(saved, requested, sections=("train", "data")) == [
        "train.max_steps: 200000 -> 5", "data.batch_size: 4 -> 8",
    ]
    # ...which the resume check does not compare: no difference to report, and no error.
    assert config_differences(saved, requested) == []
    check_resume_config(saved, requested, "run")


def test_model_or_loss_change_names_the_fields():
    saved = Config()
    requested = Config(model=ModelConfig(height=64), loss=LossConfig(smooth_weight=0.3))
    assert config_differences(saved, requested) == ["model.height: 128 -> 64", "loss.smooth_weight: 0.1 -> 0.3"]
    with pytest.raises(ValueError, match=r"model.height: 128 -> 64; loss.smooth_weight: 0.1 -> 0.3"):
        check_resume_config(saved, requested, "run")


@pytest.mark.parametrize("earlier, smoothness", [({"edge_aware_smoothness": True}, "edge_aware"),
                                                 ({"edge_aware_smoothness": False}, "disparity"), ({}, "disparity")])
def test_an_earlier_run_reads_back_as_it_was_trained(tmp_path, earlier, smoothness):
    # Before `smoothness` and `photometric_scales` existed, every run took the prior of disparity
    # and the photometric term at every scale; today's defaults differ, a resumed run must not.
    values = Config().to_dict()
    del values["loss"]["smoothness"], values["loss"]["photometric_scales"]
    values["loss"].update(earlier)
    (tmp_path / "config.json").write_text(json.dumps(values))
    loss = read_config(str(tmp_path)).loss
    assert (loss.smoothness, loss.photometric_scales) == (smoothness, 0)
    assert (LossConfig().smoothness, LossConfig().photometric_scales) == ("depth", 1)

"""The console progress line."""

from sfmlearner_tf.training.progress import Progress, Throughput, format_duration


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_format_duration():
    assert format_duration(7) == "7s"
    assert format_duration(65) == "1m05s"
    assert format_duration(3725) == "1h02m05s"
    assert format_duration(-3) == "0s"


def test_progress_line_has_step_loss_throughput_and_eta():
    clock = FakeClock()
    progress = Progress(max_steps=110, images_per_step=4, clock=clock)
    for _ in range(10):
        progress.tick()
    clock.now += 5.0  # 10 steps in 5 s: 0.5 s/step, 8 images/s; 100 steps left = 50 s.
    line = progress.line(10, 0.123456)
    assert line == "step 10/110 | loss 0.1235 | 8.0 img/s | 0.500 s/step | ETA 50s"


def test_throughput_resets_after_each_read():
    clock = FakeClock()
    throughput = Throughput(clock)
    throughput.tick()
    clock.now += 2.0
    assert throughput.read(4) == (2.0, 2.0)
    assert throughput.read(4) == (0.0, 0.0)

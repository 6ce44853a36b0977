"""The one progress bar of evaluation, inference and data preparation."""

import io

from sfmlearner_tf.progress_bar import ProgressBar


class FakeClock:
    """Seconds that move only when the test says so; starts near 0, as monotonic time does at boot."""

    def __init__(self, now: float = 0.5):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_bar_shows_count_percent_and_ends_its_line():
    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(4, "depth", stream=stream, width=8, min_interval=3600, clock=clock)
    for _ in range(4):
        clock.now += 1.0
        bar.update()
    bar.close()
    text = stream.getvalue()
    # Drawn at the first update and at the total; close adds only the newline.
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "depth [########] 4/4 (100%) 1.0/s ETA 0s" in text


def test_first_update_draws_even_right_after_boot():
    stream = io.StringIO()
    bar = ProgressBar(100, "snippets", stream=stream, min_interval=0.2, clock=FakeClock(0.0))
    bar.update()
    assert stream.getvalue().count("\r") == 1


def test_updates_within_the_interval_are_not_drawn_but_close_draws_the_last_count():
    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(100, "snippets", stream=stream, min_interval=10, clock=clock)
    bar.update()
    clock.now += 9.9
    bar.update(9)
    assert stream.getvalue().count("\r") == 1
    clock.now += 0.2
    bar.update()
    assert stream.getvalue().count("\r") == 2 and " 11/100 (11%)" in stream.getvalue()
    bar.update(4)
    bar.close()
    assert stream.getvalue().count("\r") == 3 and " 15/100 (15%)" in stream.getvalue()


def test_unknown_total_counts_without_a_bar():
    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(None, "infer", stream=stream, clock=clock)
    clock.now += 2.0
    bar.update(3)
    bar.close()
    assert stream.getvalue().startswith("\rinfer 3 1.5/s") and "[" not in stream.getvalue()

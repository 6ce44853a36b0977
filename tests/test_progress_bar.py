"""The one progress bar of evaluation, inference and data preparation."""

import io

from sfmlearner_tf.progress_bar import ProgressBar


def test_bar_shows_count_percent_and_ends_its_line():
    stream = io.StringIO()
    bar = ProgressBar(4, "depth", stream=stream, width=8, min_interval=3600)
    for _ in range(4):
        bar.update()
    bar.close()
    text = stream.getvalue()
    # Drawn once at the first update (the interval since the start has passed) and once at the
    # total; close adds only the newline.
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "depth [########] 4/4 (100%)" in text and "ETA 0s" in text


def test_updates_within_the_interval_are_not_drawn_but_close_draws_the_last_count():
    stream = io.StringIO()
    bar = ProgressBar(100, "snippets", stream=stream, min_interval=3600)
    bar.update()
    bar.update(9)
    assert stream.getvalue().count("\r") == 1
    bar.close()
    assert stream.getvalue().count("\r") == 2 and " 10/100 (10%)" in stream.getvalue()


def test_unknown_total_counts_without_a_bar():
    stream = io.StringIO()
    bar = ProgressBar(None, "infer", stream=stream)
    bar.update(3)
    bar.close()
    assert stream.getvalue().startswith("\rinfer 3 ") and "[" not in stream.getvalue()

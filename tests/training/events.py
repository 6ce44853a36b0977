"""Reads TensorBoard event files back (the `tensorboard` package is not installed)."""

import pathlib

import tensorflow as tf


def read_events(directory) -> tuple[dict, dict]:
    """({tag: [(step, float)]}, {tag: [(step, (width, height, [png bytes]))]}) of every event file."""
    scalars, images = {}, {}
    for path in sorted(pathlib.Path(directory).glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name
                tensor = tf.make_ndarray(value.tensor)
                if plugin == "scalars":
                    scalars.setdefault(value.tag, []).append((event.step, float(tensor)))
                elif plugin == "images":
                    entry = (int(tensor[0]), int(tensor[1]), list(tensor[2:]))
                    images.setdefault(value.tag, []).append((event.step, entry))
    return scalars, images

"""Whole-file writes that never leave half a file: a temporary sibling, then a rename.

A reader, or a crash, sees the old file or the new one: the bytes go to `<path>.tmp`, which is then
renamed over `path` (the parent directory is created first). Local paths go through `os`, with no
TensorFlow import, so that numpy-only modules which write files stay free of TensorFlow; paths with
a URL scheme (`gs://`, `s3://`, `hdfs://`, ...) go through `tf.io.gfile`, whose rename on an object
store is a copy and a delete rather than atomic, the closest such a file system has.
"""

import os


def write_bytes(path: str, data: bytes) -> None:
    """Writes `data` to `path` (replacing it) atomically; on failure no temporary file is left."""
    if "://" in path:
        _write_with_gfile(path, data)
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = path + ".tmp"
    try:
        with open(temporary, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def write_text(path: str, text: str) -> None:
    """Writes `text` to `path` as UTF-8 (replacing it) atomically."""
    write_bytes(path, text.encode("utf-8"))


def _write_with_gfile(path: str, data: bytes) -> None:
    # Imported here: only remote paths need TensorFlow's file systems.
    import tensorflow as tf

    tf.io.gfile.makedirs(os.path.dirname(path))
    temporary = path + ".tmp"
    try:
        with tf.io.gfile.GFile(temporary, "wb") as f:
            f.write(data)
        tf.io.gfile.rename(temporary, path, overwrite=True)
    except BaseException:
        if tf.io.gfile.exists(temporary):
            tf.io.gfile.remove(temporary)
        raise

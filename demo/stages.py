"""Runs the demo's stages as the real command-line programs a user would type.

Each stage is one or more commands plus the file that proves it finished. A stage whose proof
exists is skipped on a second run (unless `fresh`), so an interrupted demo picks up where it
stopped; the programs themselves write under temporary names and rename when complete.

A program that finished but found a problem with the model (exit status `exit_status.FINDING`: no
visible ground for metres, an int8 file that does not compute the trained network) has written
that problem into its output; in a stage that allows findings the demo goes on, and the report
tells. Any other failure stops the demo with one line naming the stage.
"""

import dataclasses
import os
import shlex
import shutil
import subprocess
import sys
import time
from typing import Sequence

from sfmlearner_tf import exit_status


@dataclasses.dataclass
class Stage:
    name: str
    commands: Sequence[Sequence[str]]
    # The stage counts as done when every one of these paths exists.
    outputs: Sequence[str]
    # Removed before a `fresh` run: what the stage's programs would otherwise resume from (a
    # training run continues from its latest checkpoint, which is right after an interruption).
    resumable: Sequence[str] = ()
    # Whether its programs' exit status FINDING (output written, a problem recorded in it) lets the
    # demo go on: for evaluation and export, whose findings are results; not for training, whose
    # NaN and data errors leave no model to go on with.
    allows_findings: bool = False


class StageError(RuntimeError):
    pass


def _banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def run_stage(stage: Stage, fresh: bool, timings: dict) -> None:
    """Runs the stage's commands in order, streaming their output; records seconds taken (None: reused)."""
    if not fresh and stage.outputs and all(os.path.exists(path) for path in stage.outputs):
        _banner(f"{stage.name}: reusing {', '.join(stage.outputs)}")
        timings.setdefault(stage.name, None)
        return
    _banner(stage.name)
    if fresh:
        for path in stage.resumable:
            shutil.rmtree(path, ignore_errors=True)
    start = time.monotonic()
    for command in stage.commands:
        print("$ " + " ".join(shlex.quote(part) for part in command), flush=True)
        status = subprocess.call(list(command), env=_child_env())
        if status == exit_status.FINDING and stage.allows_findings:
            print(f"--- {stage.name}: the problem above is recorded in the output; going on (report.md tells)",
                  flush=True)
        elif status != 0:
            raise StageError(f"stage {stage.name!r} failed (exit {status}): {' '.join(command)}")
    missing = [path for path in stage.outputs if not os.path.exists(path)]
    if missing:
        raise StageError(f"stage {stage.name!r} finished but did not write {missing}")
    timings[stage.name] = time.monotonic() - start
    print(f"--- {stage.name}: {timings[stage.name]:.0f} s", flush=True)


def _child_env() -> dict[str, str]:
    # No TF_CPP_MIN_LOG_LEVEL here: each program drops TensorFlow's notices itself
    # (sfmlearner_tf/quiet_start.py), and a user's own setting passes through.
    env = dict(os.environ)
    # The children are `python -m` modules of this checkout.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH", "")]))
    return env


def python(module: str, *flags: str) -> list[str]:
    """A `python -m module --flags…` command in the current interpreter."""
    return [sys.executable, "-m", module, *flags]

"""Demo stages: reuse of finished stages, and --fresh starting over rather than resuming."""

import os
import sys

from demo.stages import Stage, run_stage


def _stage(tmp_path):
    """A stage that appends to a log in its resumable folder and writes its proof of completion."""
    state, done = tmp_path / "state", tmp_path / "done"
    script = (f"import os; os.makedirs({str(state)!r}, exist_ok=True); "
              f"open(os.path.join({str(state)!r}, 'log'), 'a').write('x'); open({str(done)!r}, 'w').close()")
    return Stage("step", [[sys.executable, "-c", script]], [str(done)], resumable=[str(state)]), state / "log"


def test_a_finished_stage_is_reused_and_a_fresh_one_starts_over(tmp_path):
    stage, log = _stage(tmp_path)
    timings = {}
    run_stage(stage, fresh=False, timings=timings)
    run_stage(stage, fresh=False, timings=timings)
    assert log.read_text() == "x"
    run_stage(stage, fresh=True, timings=timings)
    # Without clearing its resumable state, the fresh run would have continued it ("xx").
    assert log.read_text() == "x"


def test_an_interrupted_stage_resumes(tmp_path):
    stage, log = _stage(tmp_path)
    run_stage(stage, fresh=False, timings={})
    os.remove(tmp_path / "done")  # as if killed before it finished
    run_stage(stage, fresh=False, timings={})
    assert log.read_text() == "xx"

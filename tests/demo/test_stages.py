"""Demo stages: reuse of finished stages, --fresh starting over rather than resuming, and a finding
(a program's output records a problem) letting the demo go on where a real error stops it."""

import os
import sys

import pytest

from demo.stages import Stage, StageError, run_stage
from sfmlearner_tf import exit_status


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


def _exiting_stage(tmp_path, status: int, allows_findings: bool):
    """A stage whose first command writes its output then exits with `status`; the second marks it ran."""
    output, second = tmp_path / "output.json", tmp_path / "second"
    first = f"open({str(output)!r}, 'w').write('{{}}'); raise SystemExit({status})"
    return (Stage("evaluate", [[sys.executable, "-c", first], [sys.executable, "-c", f"open({str(second)!r}, 'w')"]],
                  [str(output)], allows_findings=allows_findings), second)


def test_a_finding_is_recorded_and_the_stage_goes_on(tmp_path, capsys):
    stage, second = _exiting_stage(tmp_path, exit_status.FINDING, allows_findings=True)
    timings = {}
    run_stage(stage, fresh=False, timings=timings)
    assert second.exists() and timings["evaluate"] >= 0
    assert "recorded in the output; going on" in capsys.readouterr().out


@pytest.mark.parametrize("status, allows_findings", [(exit_status.FINDING, False), (exit_status.BAD_SETUP, True),
                                                     (1, True)])
def test_a_real_error_stops_the_demo_naming_the_stage(tmp_path, status, allows_findings):
    stage, second = _exiting_stage(tmp_path, status, allows_findings)
    with pytest.raises(StageError, match=rf"stage 'evaluate' failed \(exit {status}\)"):
        run_stage(stage, fresh=False, timings={})
    assert not second.exists()

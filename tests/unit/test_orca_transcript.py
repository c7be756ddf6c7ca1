"""Reading Orca's debug log (scripts/orca_transcript.py), without Orca."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "scripts" / "orca_transcript.py"
spec = importlib.util.spec_from_file_location("orca_transcript", SCRIPT)
assert spec is not None and spec.loader is not None
orca_transcript = importlib.util.module_from_spec(spec)
spec.loader.exec_module(orca_transcript)

LOG = (
    "13:53:29.600 - SPEECH OUTPUT: 'Attendance concern.'{'established': False}\n"
    "13:53:32.973 - SPEECH OUTPUT: 'Risk assessment — Brown family dialog 1  Information\n"
    "                  Gather all possible information.'{'established': False}\n"
    "13:53:32.983 - ORCA: Region of interest\n"
    "13:53:33.392 - SPEECH OUTPUT: 'Before the visit panel.'{'established': False}\n"
)


def test_speech_over_several_lines_is_kept(tmp_path):
    """Orca logs a speech with a line break in it (a wizard's title and subtitle) over two
    lines: the transcript dropped it, and Orca seemed not to say the wizard's title."""
    log = tmp_path / "orca.log"
    log.write_text(LOG)
    said, end = orca_transcript._spoken(log, 0)
    assert said == [
        "Attendance concern.",
        "Risk assessment — Brown family dialog 1  Information Gather all possible information.",
        "Before the visit panel.",
    ]
    assert end == len(LOG.encode())


def test_a_speech_still_being_written_waits_for_its_end(tmp_path):
    log = tmp_path / "orca.log"
    first, rest = (
        LOG[: LOG.index("                  Gather")],
        LOG[LOG.index("                  Gather") :],
    )
    log.write_text(first)
    said, end = orca_transcript._spoken(log, 0)
    assert said == ["Attendance concern."]  # the unfinished one is read again next time
    log.write_text(first + rest)
    said, _ = orca_transcript._spoken(log, end)
    assert said[0].startswith("Risk assessment — Brown family") and len(said) == 2


def test_a_step_that_brings_a_window_up_waits_for_orca_to_say_it():
    """A step with nothing to wait for ends after a quiet spell: on a loaded machine the risk
    assessment wizard came up later than that, and its title was heard under the next step.
    Each step that shows a window (or a screen) waits for a phrase Orca says of it."""
    import re

    opens_a_window = {"sign_in", "today", "booking", "week", "wizard", "settings", "alarm"}
    steps = re.findall(r'\(\s*"([^"]+)",\s*(\w+),\s*"([^"]*)"\)', orca_transcript.APP)
    waits = {step: until for _heading, step, until in steps if step in opens_a_window}
    assert set(waits) == opens_a_window
    assert all(waits.values()), waits
    assert waits["wizard"] == "Risk assessment"

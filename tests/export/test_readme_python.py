"""The README's "Use from Python" examples, run as a user would paste them: in order, in one namespace, in an
empty folder; what they print is checked against the comments that say what they print."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

import featlearn_gui.export.render  # noqa: F401 (loaded first, as in an app session: it must not shadow a name)

README = Path(__file__).resolve().parents[2] / "README.md"


def python_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def printed_claims(block: str) -> list[str]:
    """The `# ...: VALUE` or `# VALUE` comments after print(...) lines: what the README says they print."""
    claims = []
    for line in block.splitlines():
        if line.startswith("print(") and "#" in line:
            claims.append(line.split("#", 1)[1].split(":")[-1].strip())
    return claims


def test_the_readme_python_examples_run_and_print_what_they_say(tmp_path, monkeypatch, capsys):
    blocks = python_examples()
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 (the README's own code)
        printed = capsys.readouterr().out
        for claim in printed_claims(block):
            assert claim in printed, (claim, printed)
    assert len(namespace["results"]) == 2 and (tmp_path / "sweep-out" / "results.csv").is_file()
    with Image.open(tmp_path / "high-dim.gif") as gif:
        assert gif.size == (320, 320) and gif.n_frames == 12
    frame = namespace["frame"]
    assert frame.dtype == np.uint8 and frame.std() > 0  # a picture, not a blank

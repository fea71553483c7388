"""Every Python snippet of the README runs as pasted, each in its own process
(a crash fails that snippet by name), and warns about nothing of ours or
MXNet's (a stale gradient, a deprecated call)."""

import os
import re
import subprocess
import sys

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def snippets():
    with open(README) as f:
        text = f.read()
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    headings = []
    for block in blocks:
        before = text[: text.index(block)]
        headings.append(re.findall(r"^## (.*)$", before, flags=re.M)[-1])
    return list(zip(headings, blocks))


def test_readme_has_snippets():
    assert len(snippets()) >= 5


@pytest.mark.parametrize("heading,code", snippets(), ids=[h for h, _ in snippets()])
def test_snippet_runs_as_pasted(heading, code):
    env = dict(os.environ, PYTHONWARNINGS="always::UserWarning")
    env.pop("MXNET_HO_DISABLE", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=600,
    )
    assert result.returncode == 0, "%s:\n%s" % (heading, result.stderr[-3000:])
    assert result.stdout.strip(), "%s printed nothing" % heading
    assert "UserWarning" not in result.stderr, result.stderr[-3000:]

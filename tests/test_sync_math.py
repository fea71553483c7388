"""Each rule's math comment in src/ says what its patches/*.toml entry says."""

import importlib.util
import os
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location(
    "sync_math", os.path.join(ROOT, "tools", "sync_math.py")
)
sync_math = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync_math)


def test_every_rule_comment_is_its_series_math():
    """Fix a failure with `python tools/sync_math.py` (the series is the source)."""
    problems = sync_math.check()
    assert not problems, "\n".join(problems)


def _tree(tmp_path, comment, math, extra=""):
    (tmp_path / "patches").mkdir()
    (tmp_path / "patches" / "fam.toml").write_text(
        textwrap.dedent("""\
        family = "fam"
        [[gradient]]
        op = "_backward_foo"
        math = "%s"
        """)
        % math
        + extra
    )
    (tmp_path / "src" / "operator").mkdir(parents=True)
    rule = tmp_path / "src" / "operator" / "foo.cc"
    rule.write_text(
        "namespace op {\n\n// A note.\n\n%s"
        "MXNET_HO_GRADIENT(_backward_foo).set_rule(FooGrad);\n"
        "MXNET_HO_GRADIENT(_backward_bar).set_rule(BarGrad);\n}\n" % comment
    )
    return rule


def test_check_finds_a_comment_that_differs_and_write_mends_it(tmp_path):
    math = "gx = g*cos x: d/dg = h*cos x; d/dx = -h*g*sin x"
    rule = _tree(tmp_path, "// gx = g*cos x:  d/dg = h*cos x;\n//   d/dx = h*g*sin x\n", math)
    problems = sync_math.check(str(tmp_path))
    assert len(problems) == 2, problems
    assert "_backward_foo's comment differs" in problems[0]
    assert "_backward_bar has no [[gradient]] entry" in problems[1]
    sync_math.write(str(tmp_path))
    text = rule.read_text()
    assert "// A note.\n\n// " + math + "\nMXNET_HO_GRADIENT(_backward_foo)" in text
    after = sync_math.check(str(tmp_path))
    assert len(after) == 1 and "_backward_bar has no [[gradient]] entry" in after[0], after


def test_whitespace_and_line_breaks_do_not_count(tmp_path):
    math = "gx = g/x: d/dg = h/x; d/dx = -h*g/x^2"
    _tree(
        tmp_path,
        "//  gx = g/x:\n//     d/dg = h/x;   d/dx = -h*g/x^2\n",
        math,
        '[[gradient]]\nop = "_backward_bar"\nmath = "gx = 0: d/dg = 0"\n',
    )
    assert sync_math.check(str(tmp_path)) == [
        "src/operator/foo.cc:8: _backward_bar's comment differs from its math in patches/\n"
        "  comment: \n  math:    gx = 0: d/dg = 0"
    ]


def test_two_families_listing_one_op_must_agree(tmp_path):
    _tree(tmp_path, "// gx = g: d/dg = h\n", "gx = g: d/dg = h")
    (tmp_path / "patches" / "other.toml").write_text(
        'family = "other"\n[[gradient]]\nop = "_backward_foo"\nmath = "gx = g: d/dg = 2h"\n'
    )
    problems = sync_math.check(str(tmp_path))
    assert any("give _backward_foo different math" in p for p in problems), problems


def test_long_math_is_wrapped_within_100_columns():
    math = "; ".join("d/dx%d = h*g*sin(x%d)*cos(x%d)" % (i, i, i) for i in range(12))
    lines = sync_math.as_comment(math, "  ")
    assert all(len(line) <= 100 for line in lines)
    assert sync_math.normalize(" ".join(line.strip()[2:] for line in lines)) == math

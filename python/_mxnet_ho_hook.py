"""Activates mxnet-ho when `mxnet` is first imported.

site.py imports this module at interpreter start-up (through mxnet_ho.pth).
It only installs a meta-path finder: nothing else is imported until a program
imports `mxnet`, so Python start-up costs stay as they were.
"""

import sys

try:
    from _mxnet_ho_env import disabled_by_environment
except ImportError:  # a hook without its siblings (a half-removed install): stock MXNet

    def disabled_by_environment(environ=None):
        return True


class _ActivatingLoader:
    """Runs mxnet's own loader, then activates mxnet-ho."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _activate()


class _MXNetFinder:
    """Wraps the loader of the top-level `mxnet` package, once."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "mxnet":
            return None
        _disarm()
        # NumPy >= 1.24 / Python 3.12 adaptations, whether or not gradients are patched.
        compat = _install_compat()
        if disabled_by_environment():
            return compat.MXNetCompatFinder().find_spec(fullname, path, target) if compat else None
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(fullname, path, target) if find_spec else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _ActivatingLoader(spec.loader)
                return spec
        return None


def _install_compat():
    """The compatibility module once its finder is installed, or None when off."""
    try:
        import _mxnet_ho_compat
    except ImportError:  # a hook without its sibling (e.g. pip's isolated build env)
        return None
    return _mxnet_ho_compat if _mxnet_ho_compat.install() else None


def _activate():
    try:
        import mxnet_ho  # noqa: F401  (importing it activates the patch)
    except ImportError as error:
        import warnings

        warnings.warn(
            "mxnet-ho is installed but could not activate, so MXNet keeps its stock "
            "gradients: %s" % (error,),
            RuntimeWarning,
            stacklevel=3,
        )


def _disarm():
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _MXNetFinder)]


def install():
    if "mxnet" in sys.modules:
        return
    if not any(isinstance(f, _MXNetFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MXNetFinder())


install()

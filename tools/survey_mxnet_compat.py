"""Lists what the installed mxnet package uses that this Python or NumPy lacks.

Run it with the interpreter to survey (say Python 3.12 with NumPy 1.26):

    python tools/survey_mxnet_compat.py [MXNET_DIR]

It parses every .py file of the mxnet package (nothing is imported from it) and
reports, one line each:
* `numpy-missing`: `<numpy name>.<attr>` (or `from numpy import attr`) where the
  running NumPy has no `attr` (the aliases NumPy 1.24 removed, ...);
* `numpy-deprecated`: the same where reading `attr` warns;
* `stdlib-missing-module`: an absolute import of a standard-library module this
  Python no longer has (distutils, imp, ... on 3.12);
* `stdlib-missing-name`: `<module>.<attr>` or `from module import attr` for a
  standard-library module whose `attr` this Python lacks (inspect.getargspec, ...);
* `optional-module`: an absolute import of a third-party package that is not
  installed (onnx, cv2, ...): not a compatibility problem, listed for the record.
_mxnet_ho_compat.py records the result of this survey for mxnet 1.9.1.
"""

import ast
import importlib
import importlib.util
import os
import sys
import warnings

# Standard-library modules removed between Python 3.8 and 3.12.
REMOVED_STDLIB = {
    "distutils",
    "imp",
    "asynchat",
    "asyncore",
    "smtpd",
    "binhex",
    "formatter",
    "parser",
    "symbol",
    "macpath",
}


def mxnet_dir():
    return os.path.dirname(importlib.util.find_spec("mxnet").origin)


def is_stdlib(name):
    top = name.split(".")[0]
    if top in REMOVED_STDLIB:
        return True
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return top in names
    spec = importlib.util.find_spec(top)
    return spec is not None and "site-packages" not in (spec.origin or "")


def module_exists(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def read_attribute(module_name, attr):
    """'ok', 'missing' or 'deprecated' for module_name.attr in this interpreter."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return "missing"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not hasattr(module, attr):
            return "missing"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            getattr(module, attr)
        except (DeprecationWarning, FutureWarning):
            return "deprecated"
    return "ok"


def module_bindings(tree):
    """{local name: module} for `import m`/`import m as n` anywhere in the file."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
    return bound


def findings_of_file(path, relative):
    with open(path, "rb") as f:
        source = f.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes warn on 3.12; not our subject
        tree = ast.parse(source, path)
    bound = module_bindings(tree)
    found = []

    def report(node, kind, text):
        found.append((relative, node.lineno, kind, text))

    def check(node, module, attr):
        if module == "numpy" or module.startswith("numpy."):
            state = read_attribute(module, attr)
            if state != "ok":
                report(node, "numpy-" + state, "%s.%s" % (module, attr))
        elif is_stdlib(module) and module_exists(module):
            if read_attribute(module, attr) == "missing" and not module_exists(
                "%s.%s" % (module, attr)
            ):
                report(node, "stdlib-missing-name", "%s.%s" % (module, attr))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not module_exists(alias.name.split(".")[0]):
                    kind = "stdlib-missing-module" if is_stdlib(alias.name) else "optional-module"
                    report(node, kind, "import " + alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not module_exists(node.module.split(".")[0]):
                kind = "stdlib-missing-module" if is_stdlib(node.module) else "optional-module"
                report(node, kind, "from %s import ..." % node.module)
                continue
            for alias in node.names:
                if alias.name != "*":
                    check(node, node.module, alias.name)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
        ):
            check(node, bound[node.value.id], node.attr)
    return found


def survey(root):
    found = []
    for directory, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                found.extend(findings_of_file(path, os.path.relpath(path, os.path.dirname(root))))
    return found


def main(argv):
    root = argv[1] if len(argv) > 1 else mxnet_dir()
    import numpy

    print(
        "# survey of %s with Python %s, NumPy %s"
        % (root, ".".join(map(str, sys.version_info[:3])), numpy.__version__)
    )
    for relative, line, kind, text in sorted(survey(root)):
        print("%-22s %s:%d  %s" % (kind, relative, line, text))


if __name__ == "__main__":
    main(sys.argv)

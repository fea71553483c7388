"""Loading libmxnet_ho.so into a process that runs MXNet 1.9.1."""

import ctypes
import hashlib
import os
import struct

SUPPORTED_MXNET = "1.9.1"
_EXPECTED_VERSION_CODE = 10901

_lib = None


def library_path():
    """The native library: $MXNET_HO_LIBRARY (an absolute path), else the one
    installed beside us."""
    override = os.environ.get("MXNET_HO_LIBRARY")
    if override:
        if not os.path.isabs(override):
            # a relative path would load whatever the current directory holds
            raise ImportError(
                "MXNET_HO_LIBRARY must be an absolute path to libmxnet_ho.so, got %r" % override
            )
        return override
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "libmxnet_ho.so")


def check_library_file(path):
    """Why the file at `path` must not be loaded (dlopen of a truncated library
    dies of SIGBUS), or None: its size and SHA-256 differ from those the build
    recorded beside it (`path`.sha256, where there is one), or it is no
    complete 64-bit ELF file (a segment or table past its end)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        return "cannot read it: %s" % error.strerror
    try:
        with open(path + ".sha256") as f:
            recorded_digest, recorded_size = f.read().split()
    except (OSError, ValueError):
        recorded_digest = None
    if recorded_digest is not None:
        if len(data) != int(recorded_size):
            return "it has %d bytes, the build recorded %s (truncated?)" % (
                len(data),
                recorded_size,
            )
        if hashlib.sha256(data).hexdigest() != recorded_digest:
            return "its SHA-256 differs from the one the build recorded (damaged)"
    return _elf_damage(data)


def _elf_damage(data):
    """What makes `data` an incomplete 64-bit little-endian ELF file, or None."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4:6] != b"\x02\x01":
        return "it is not a 64-bit little-endian ELF library"
    phoff, shoff = struct.unpack_from("<QQ", data, 32)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 54)
    if phoff + phnum * phentsize > len(data) or shoff + shnum * shentsize > len(data):
        return "its headers reach past its %d bytes (truncated)" % len(data)
    for i in range(phnum):
        offset, _, _, file_size = struct.unpack_from("<QQQQ", data, phoff + i * phentsize + 8)
        if offset + file_size > len(data):
            return "a segment reaches past its %d bytes (truncated)" % len(data)
    return None


def _declare(lib):
    lib.MXHOSelfCheck.restype = ctypes.c_char_p
    lib.MXHOSelfCheck.argtypes = [ctypes.c_int]
    lib.MXHOLastError.restype = ctypes.c_char_p
    lib.MXHOActivate.restype = ctypes.c_int
    lib.MXHOIsActive.restype = ctypes.c_int
    lib.MXHORuleOps.restype = ctypes.c_char_p
    lib.MXHOGradientPriority.restype = ctypes.c_int
    lib.MXHOGradientPriority.argtypes = [ctypes.c_char_p]
    lib.MXHOHasRule.restype = ctypes.c_int
    lib.MXHOHasRule.argtypes = [ctypes.c_char_p]
    lib.MXHOProbe.restype = ctypes.c_char_p
    lib.MXHOProbe.argtypes = [
        ctypes.c_char_p,
        ctypes.c_uint32,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_char_p,
    ]
    lib.MXHOProbeSymbol.restype = ctypes.c_char_p
    lib.MXHOProbeSymbol.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    return lib


def load(expected_version_code=_EXPECTED_VERSION_CODE):
    """Loads and self-checks the native library; raises ImportError naming the
    MXNet version and what failed. Never registers anything."""
    global _lib
    if _lib is not None:
        return _lib
    import mxnet  # loads libmxnet.so first

    version = getattr(mxnet, "__version__", "unknown")
    if version != SUPPORTED_MXNET:
        raise ImportError(
            "mxnet-ho supports mxnet %s only, but mxnet %s is installed; install "
            "mxnet==%s (or the matching mxnet-cuXXX==%s)"
            % (SUPPORTED_MXNET, version, SUPPORTED_MXNET, SUPPORTED_MXNET)
        )
    path = library_path()
    damage = check_library_file(path) if os.path.exists(path) else None
    if damage:
        raise ImportError(
            "mxnet-ho's native library %s is damaged, so it was not loaded: %s; "
            "reinstall mxnet-ho" % (path, damage)
        )
    try:
        lib = _declare(ctypes.CDLL(path))
    except AttributeError as error:  # a library, but not mxnet-ho's (no MXHO symbols)
        raise ImportError(
            "mxnet-ho's native library %s for mxnet %s is not an mxnet-ho library: %s; "
            "reinstall mxnet-ho or fix MXNET_HO_LIBRARY" % (path, version, error)
        ) from None
    except OSError as error:
        raise ImportError(
            "mxnet-ho could not load its native library for mxnet %s (%s): %s; "
            "reinstall mxnet-ho" % (version, path, error)
        ) from None
    failure = lib.MXHOSelfCheck(expected_version_code).decode()
    if failure:
        raise ImportError(
            "mxnet-ho cannot patch mxnet %s: the load-time self-check failed: %s"
            % (version, failure)
        )
    _lib = lib
    return lib


def activate():
    """Registers every rule in MXNet's operator registry; returns how many."""
    lib = load()
    if lib.MXHOIsActive():
        return len(rule_ops())
    count = lib.MXHOActivate()
    if count < 0:
        raise ImportError(
            "mxnet-ho could not register its gradients: %s" % lib.MXHOLastError().decode()
        )
    return count


def is_active():
    return _lib is not None and bool(_lib.MXHOIsActive())


def rule_ops():
    """Every op mxnet-ho has a rule for (present in this MXNet or not)."""
    return [name for name in load().MXHORuleOps().decode().split("\n") if name]


def has_rule(op_name):
    """Whether the op's FGradient is one of mxnet-ho's rules (every other op with
    a gradient keeps stock's, which skips the zero heads of higher-order passes)."""
    return load().MXHOHasRule(op_name.encode()) == 1


def gradient_priority(op_name):
    """-1: no such op; 0: no FGradient; else the priority of the registered one."""
    return load().MXHOGradientPriority(op_name.encode())


def _shape_spec(shapes):
    return ";".join(
        "%s=%s" % (name, ",".join(str(d) for d in shape)) for name, shape in (shapes or {}).items()
    ).encode()


def probe(op_name, attrs=None, shapes=None):
    """The op nodes of `op_name`'s gradient graph, built by its current FGradient
    over placeholder inputs (input0, input1, ...; `shapes` may give some of their
    shapes) as a higher-order pass builds it: a dict with "nodes" or "error"."""
    import json

    attrs = attrs or {}
    keys = (ctypes.c_char_p * len(attrs))(*[k.encode() for k in attrs])
    values = (ctypes.c_char_p * len(attrs))(*[str(v).encode() for v in attrs.values()])
    result = load().MXHOProbe(op_name.encode(), len(attrs), keys, values, _shape_spec(shapes))
    return json.loads(result.decode())


def probe_symbol(symbol, shapes=None):
    """The same for the node computing output 0 of an MXNet Symbol (`shapes`:
    those of some of its variables, by name)."""
    import json

    result = load().MXHOProbeSymbol(symbol.handle, _shape_spec(shapes))
    return json.loads(result.decode())


_registry = None


def _declare_registry(lib):
    """The public nnvm C API of libmxnet.so that names the registered operators."""
    lib.NNListAllOpNames.restype = ctypes.c_int
    lib.NNListAllOpNames.argtypes = [
        ctypes.POINTER(ctypes.c_uint),
        ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p)),
    ]
    lib.NNGetOpHandle.restype = ctypes.c_int
    lib.NNGetOpHandle.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.NNGetOpInfo.restype = ctypes.c_int
    lib.NNGetOpInfo.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_char_p),  # name
        ctypes.POINTER(ctypes.c_char_p),  # description
        ctypes.POINTER(ctypes.c_uint),  # number of arguments
        ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p)),  # their names
        ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p)),  # their types
        ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p)),  # their descriptions
        ctypes.POINTER(ctypes.c_char_p),  # return type
    ]
    return lib


def _mxnet_lib():
    global _registry
    if _registry is None:
        from mxnet.base import _LIB

        # a handle of our own on the loaded libmxnet.so, so that these declarations
        # never change how MXNet's Python calls the same functions
        _registry = _declare_registry(ctypes.CDLL(_LIB._name))
    return _registry


def _nnvm_call(status):
    if status != 0:
        from mxnet.base import _LIB

        raise RuntimeError("nnvm C API call failed: %s" % _LIB.MXGetLastError().decode())


def registered_op_names():
    """Every name in MXNet's operator registry, aliases (nnvm add_alias) included."""
    lib = _mxnet_lib()
    size = ctypes.c_uint()
    names = ctypes.POINTER(ctypes.c_char_p)()
    _nnvm_call(lib.NNListAllOpNames(ctypes.byref(size), ctypes.byref(names)))
    return [names[i].decode() for i in range(size.value)]


def canonical_op_name(name):
    """The name of the nnvm::Op registered under `name`: `name` itself, or the op
    it is an alias of (an alias is the same Op under another registry name, so
    NNGetOpHandle gives the same handle and NNGetOpInfo the op's own name)."""
    lib = _mxnet_lib()
    handle = ctypes.c_void_p()
    _nnvm_call(lib.NNGetOpHandle(name.encode(), ctypes.byref(handle)))
    real, description, return_type = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_char_p()
    num_args = ctypes.c_uint()
    arg_names = ctypes.POINTER(ctypes.c_char_p)()
    arg_types = ctypes.POINTER(ctypes.c_char_p)()
    arg_descriptions = ctypes.POINTER(ctypes.c_char_p)()
    _nnvm_call(
        lib.NNGetOpInfo(
            handle,
            ctypes.byref(real),
            ctypes.byref(description),
            ctypes.byref(num_args),
            ctypes.byref(arg_names),
            ctypes.byref(arg_types),
            ctypes.byref(arg_descriptions),
            ctypes.byref(return_type),
        )
    )
    return real.value.decode()


def op_aliases():
    """{alias: the op's own name} for every alias in MXNet's operator registry."""
    aliases = {}
    for name in registered_op_names():
        canonical = canonical_op_name(name)
        if canonical != name:
            aliases[name] = canonical
    return aliases

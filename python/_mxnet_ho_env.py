"""Whether the environment asks for stock MXNet: the one rule that the start-up
hook (_mxnet_ho_hook) and the package (mxnet_ho) both follow. A leaf module: it
imports nothing of either, so neither imports the other to read it."""

import os

# MXNET_HO_DISABLE values that leave mxnet-ho enabled (compared case-insensitively,
# surrounding blanks ignored); any other value disables it.
FALSE_SPELLINGS = ("", "0", "false", "no", "off")


def disabled_by_environment(environ=None):
    """Whether MXNET_HO_DISABLE asks for stock MXNet: it is set to anything but
    unset, "", "0", "false", "no" or "off" (any case)."""
    value = (os.environ if environ is None else environ).get("MXNET_HO_DISABLE", "")
    return value.strip().lower() not in FALSE_SPELLINGS

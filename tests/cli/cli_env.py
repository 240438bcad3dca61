"""The environment every CLI test runs rocketctl in: no ROCKETCTL_IFACE from the caller, an
English UTF-8 locale, no colour, so that output is the same on every machine."""
import os


def environment():
    env = dict(os.environ)
    env.pop("ROCKETCTL_IFACE", None)
    env.update({"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "NO_COLOR": "1"})
    return env

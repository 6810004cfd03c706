"""Memory that hostile clients made the process take goes back once they leave.

glibc's malloc serves a large block (a request body of up to 1 MiB) from its own mapping,
returned to the system when freed, but after each such free it raises the size it maps at, up
to 32 MiB, so later bodies come from the heap, where freed space mostly stays in the process.
Pinning the threshold keeps large blocks mapped: what a burst of large bodies took is given
back when they go.
"""

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

_M_MMAP_THRESHOLD = -3  # mallopt's parameter, from glibc's malloc.h
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's initial value


def pin_mmap_threshold() -> None:
    """Keep blocks of MMAP_THRESHOLD_BYTES or more in mappings of their own (glibc only)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = libc.mallopt if libc is not None else None
    except (OSError, AttributeError):  # not glibc: nothing to pin
        mallopt = None
    if mallopt is None or mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) != 1:
        log.debug("malloc's mapping threshold left as it is")

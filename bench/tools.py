"""The load tool: wrk when it is installed (or installable), else what to do about it."""

import os
import shutil
import subprocess

INSTALL_HINT = (
    "wrk is not installed. Install it with your package manager: "
    "`sudo apt-get install wrk` (Debian, Ubuntu), `brew install wrk` (macOS); "
    "or run `python -m bench --driver python` (a Python driver: it proves the endpoints work, "
    "but it is too slow to measure the service's ceiling)."
)


def _apt(*args: str) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(
            ["apt-get", *args], capture_output=True, text=True, timeout=600, env=env
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def ensure_wrk(log) -> str | None:
    """wrk's path, installing Debian's package first when missing and running as root."""
    if path := shutil.which("wrk"):
        return path
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    log("wrk is missing: installing Debian's package (apt-get install -y wrk)")
    # A fresh machine's package lists may be missing or stale: update only if needed.
    if not _apt("install", "-y", "wrk") and _apt("update"):
        _apt("install", "-y", "wrk")
    return shutil.which("wrk")

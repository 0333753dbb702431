"""Shared constants and helpers of the browser tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

CHROMIUM = os.environ.get("VOXPOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--headless", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SHOTS = Path(os.environ.get("VOXPOP_SHOTS", "/tmp/voxpop-shots"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shot(page, name: str) -> None:
    """Screenshots for people to look at (not compared): $VOXPOP_SHOTS, default /tmp/voxpop-shots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

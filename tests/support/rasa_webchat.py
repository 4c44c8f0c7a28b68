"""rasa-webchat, the Rasa web client clinics already use, fetched from the npm registry for the browser suite.

rasa-webchat ships a UMD bundle (``lib/index.js``) with React, ReactDOM and
the Socket.IO client inside it, so a page needs that one file and no build
step; its npm dependencies (a Socket.IO server, webpack plugins) only matter
to its own build, so only the package itself is fetched, with ``npm pack``
(which checks the registry's integrity hash), and its hash is checked again
against :data:`INTEGRITY`. The package is unpacked once per version into
``~/.cache/clinic-faq-bot/npm/rasa-webchat-VERSION/`` (``NPM_CACHE_ROOT``
overrides the folder), outside the checkout, so fresh clones reuse it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

VERSION = "1.0.1"
#: The registry's ``dist.integrity`` of rasa-webchat 1.0.1 (``npm view rasa-webchat@1.0.1 dist.integrity``).
INTEGRITY = "sha512-Ld1zVJvTAaTrs6A5p8t70agNNrKYRyXlvqXZRgBoDvKKUXbA0jhJKECi5bdPGlaR6jsmqWtVylHS+YqIqo0x8w=="
#: The bundle a page loads with a script tag; it defines ``window.WebChat``.
BUNDLE = Path("package") / "lib" / "index.js"


class WebchatUnavailableError(RuntimeError):
    """rasa-webchat could not be fetched (no npm, or the registry refused)."""


def cache_root() -> Path:
    """Where npm packages for the tests are kept, keyed by name and version."""
    return Path(os.environ.get("NPM_CACHE_ROOT") or Path.home() / ".cache" / "clinic-faq-bot" / "npm")


def integrity_of(tarball: Path) -> str:
    """The npm ``integrity`` string (SRI, sha512) of a package tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()


def install(version: str = VERSION, integrity: str = INTEGRITY, npm: str | None = None) -> Path:
    """The unpacked rasa-webchat ``version`` (its folder holds ``package/``), fetched on first use.

    Raises:
        WebchatUnavailableError: npm is missing, the registry did not serve the
            package, or the tarball's hash is not ``integrity``.
    """
    target = cache_root() / f"rasa-webchat-{version}"
    if (target / BUNDLE).is_file():
        return target
    npm = npm or shutil.which("npm")
    if not npm:
        raise WebchatUnavailableError("npm is missing: run scripts/install-system-deps.sh")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".rasa-webchat-") as work:
        folder = Path(work)
        fetched = subprocess.run(
            [npm, "pack", f"rasa-webchat@{version}", "--pack-destination", str(folder), "--silent"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        tarballs = list(folder.glob("rasa-webchat-*.tgz"))
        if fetched.returncode != 0 or len(tarballs) != 1:
            raise WebchatUnavailableError(f"npm pack rasa-webchat@{version} failed: {fetched.stderr.strip()[-2000:]}")
        if integrity_of(tarballs[0]) != integrity:
            raise WebchatUnavailableError(f"rasa-webchat@{version}: the tarball's hash is not {integrity}")
        unpacked = folder / "unpacked"
        with tarfile.open(tarballs[0]) as archive:
            archive.extractall(unpacked, filter="data")
        if not (unpacked / BUNDLE).is_file():
            raise WebchatUnavailableError(f"rasa-webchat@{version} has no {BUNDLE}")
        try:
            unpacked.rename(target)  # atomic: a concurrent run finds a whole folder or none
        except OSError:
            if not (target / BUNDLE).is_file():
                raise
    return target

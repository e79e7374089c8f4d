"""LibreOffice headless (``soffice``) in a capped child process: legacy conversions.

Legacy binary files (``.doc``, ``.ppt``, ``.xls``) and RTF are converted to their
Office Open XML sibling, which the regular readers then take.  The child runs with a
throw-away user profile (so parallel conversions never share a lock), a wall-clock
timeout after which its whole process group is killed, and CPU-time and file-size
limits.  Without LibreOffice, the error names the missing program.

LibreOffice is a native program: the Python offline guard does not reach into it, and a
document may link remote images or data.  Where the system allows user namespaces
(``unshare -rn``), LibreOffice therefore runs in a network namespace of its own, which
has no network at all (only a loopback that is down); elsewhere the HTTP proxy variables
are removed from its environment and a warning is logged.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from app.core.errors import CorruptDocument, ParserTimeout, UnsupportedDocument

log = logging.getLogger(__name__)

SOFFICE_ENV = "PASSERELLE_SOFFICE"
TIMEOUT_S = 180.0
CPU_LIMIT_S = 300
MAX_OUTPUT_BYTES = 1 << 30
INSTALL_HINT = ("apt-get install libreoffice-writer-nogui libreoffice-calc-nogui "
                "libreoffice-impress-nogui")
# What each legacy extension becomes before it is read.
LEGACY_TARGETS = {".doc": "docx", ".rtf": "docx", ".ppt": "pptx", ".xls": "xlsx"}


def find_soffice() -> str | None:
    """The LibreOffice program: ``$PASSERELLE_SOFFICE``, else ``soffice`` on the PATH."""
    override = os.environ.get(SOFFICE_ENV)
    if override:
        return override if Path(override).is_file() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def missing_message(what: str) -> str:
    return (f"{what} needs LibreOffice, and its program 'soffice' was not found. Install "
            f"LibreOffice ({INSTALL_HINT} on Debian/Ubuntu) or save the file in a modern "
            "format (.docx, .pptx, .xlsx) first.")


@functools.cache
def no_network_prefix() -> tuple[str, ...]:
    """``("unshare", "-rn")`` where it works, else ``()`` (logged once)."""
    unshare = shutil.which("unshare")
    if unshare and sys.platform.startswith("linux"):
        try:
            if subprocess.run([unshare, "-rn", "true"], capture_output=True,
                              timeout=10).returncode == 0:
                return (unshare, "-rn")
        except (OSError, subprocess.SubprocessError):
            pass
    log.warning("LibreOffice conversions run without a network namespace (unshare -rn is "
                "not available here): they are not isolated from the network")
    return ()


def _limit(pid: int) -> None:
    """CPU-time and file-size limits on the started child (set from outside: a
    ``preexec_fn`` is unsafe in a threaded program such as the GUI)."""
    try:
        import resource

        resource.prlimit(pid, resource.RLIMIT_CPU, (CPU_LIMIT_S, CPU_LIMIT_S))
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (MAX_OUTPUT_BYTES, MAX_OUTPUT_BYTES))
    except (ImportError, AttributeError, OSError) as exc:  # not Linux, or already gone
        log.debug("No limits on LibreOffice's child: %s", exc)


def convert(source: Path, target_format: str, out_dir: Path,
            timeout: float = TIMEOUT_S) -> Path:
    """Convert ``source`` to ``target_format`` (a LibreOffice filter name or extension)
    into ``out_dir``; returns the converted file.  Typed errors only."""
    soffice = find_soffice()
    if soffice is None:
        raise UnsupportedDocument(missing_message(f"Converting {source.suffix} files"))
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="passerelle-lo-") as profile:
        cmd = [*no_network_prefix(), soffice,
               f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck",
               "--convert-to", target_format, "--outdir", str(out_dir), str(source)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("http", "HTTP"))}
        env["HOME"] = profile
        log.info("LibreOffice: %s → %s", source.name, target_format)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=sys.platform != "win32")
        _limit(proc.pid)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ParserTimeout(
                f"LibreOffice did not convert {source.name} within {timeout:.0f} s.") from None
    produced = out_dir / f"{source.stem}.{target_format.split(':')[0]}"
    if proc.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
        detail = " ".join((err or out or b"").decode("utf-8", "replace").split())[:200]
        raise CorruptDocument(
            f"LibreOffice could not convert {source.name} (exit {proc.returncode}"
            f"{': ' + detail if detail else ''}).")
    return produced


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        proc.kill()
    proc.communicate()

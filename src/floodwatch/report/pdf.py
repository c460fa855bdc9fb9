"""The report as PDF, printed by headless Chromium when it is installed (no PDF library of our own).

The HTML is self-contained and styled for print (`@media print`), so Chromium's print-to-PDF renders exactly the
page a reader sees; it runs with a throw-away profile and without background networking, so printing contacts
nothing. Where Chromium is missing the caller says so and keeps the HTML.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser")
# Headless Chromium that never reaches the network on its own (also what the browser tests launch).
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
CHROMIUM_FLAGS = (
    *HEADLESS_FLAGS,
    "--no-pdf-header-footer",  # no date, file URL and page numbers stamped over the report's own header
)
TIMEOUT_SECONDS = 180.0


class PdfError(RuntimeError):
    """Chromium ran but did not produce the PDF."""


def find_chromium() -> str | None:
    """The Chromium executable on PATH, or None."""
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def print_to_pdf(html: Path, pdf: Path, chromium: str, timeout: float = TIMEOUT_SECONDS) -> Path:
    """Print `html` to `pdf` with headless Chromium; raises PdfError when no PDF comes out."""
    pdf = pdf.resolve()
    pdf.unlink(missing_ok=True)  # so that a PDF found afterwards is this run's
    with tempfile.TemporaryDirectory(prefix="floodwatch-chromium-") as profile:
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing within {timeout:.0f} s") from None
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PdfError(f"Chromium exited with {done.returncode} and wrote no PDF: {' / '.join(detail) or 'no message'}")
    return pdf

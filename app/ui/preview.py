"""PDF page preview: PyMuPDF renders in a worker, the GUI only shows the cached image."""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable
from pathlib import Path

from app.ui.qt import (
    QEvent,
    QImage,
    QLabel,
    QPixmap,
    QResizeEvent,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
)
from app.ui.workers import FunctionWorker, start

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 420
CACHE_PAGES = 24


def render_page(path: Path, page: int, width: int = PREVIEW_WIDTH) -> tuple[QImage, int]:
    """Render one page to a QImage (thread-safe; no widget involved); returns (image, pages)."""
    import pymupdf

    with pymupdf.open(str(path)) as pdf:
        count = pdf.page_count
        p = pdf[max(0, min(page, count - 1))]
        zoom = width / max(p.rect.width, 1.0)
        pix = p.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        image = QImage(pix.samples, pix.width, pix.height, pix.stride,
                       QImage.Format.Format_RGB888).copy()
    return image, count


class PagePreview(QWidget):
    """Shows one PDF page; renders are cached and never block the GUI thread."""

    def __init__(self, parent: QWidget | None = None,
                 renderer: Callable[[Path, int], tuple[QImage, int]] = render_page) -> None:
        super().__init__(parent)
        self.renderer = renderer
        self.path: Path | None = None
        self.page = 0
        self.pages = 0
        self._cache: collections.OrderedDict[tuple[str, int], QImage] = (
            collections.OrderedDict())
        self._pending: set[tuple[str, int]] = set()
        self._shown: QImage | None = None
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(200, 200)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.caption)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Page preview"))
        self._update_caption()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_source(self, path: Path) -> None:
        self.path = Path(path)
        self._shown = None
        self.image.clear()

    def show_page(self, page: int) -> None:
        if self.path is None:
            return
        self.page = page
        key = (str(self.path), page)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            self._display(cached)
            return
        if key in self._pending:
            return
        self._pending.add(key)
        path = self.path
        renderer = self.renderer
        start(FunctionWorker(lambda _report: renderer(path, page)), self, self._on_rendered,
              self._on_render_failed, context=(key,))

    def _on_rendered(self, key: tuple[str, int], result: tuple[QImage, int]) -> None:
        self._pending.discard(key)
        image, self.pages = result
        self._cache[key] = image
        while len(self._cache) > CACHE_PAGES:
            self._cache.popitem(last=False)
        if self.path is not None and key == (str(self.path), self.page):
            self._display(image)

    def _on_render_failed(self, key: tuple[str, int], exc: BaseException) -> None:
        self._pending.discard(key)
        log.warning("Could not render page %d of %s: %s", key[1] + 1, key[0], exc)
        self.caption.setText(self.tr("Preview unavailable"))

    def _display(self, image: QImage) -> None:
        self._shown = image
        self._fit()
        self._update_caption()

    def _fit(self) -> None:
        if self._shown is None:
            return
        pixmap = QPixmap.fromImage(self._shown)
        box = self.image.contentsRect().size()
        if box.width() > 10 and box.height() > 10:
            pixmap = pixmap.scaled(box, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.image.setPixmap(pixmap)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _update_caption(self) -> None:
        if self.path is None or not self.pages:
            self.caption.setText("")
            return
        self.caption.setText(self.tr("Page %1 of %2").replace("%1", str(self.page + 1))
                             .replace("%2", str(self.pages)))

    def wait_idle(self) -> bool:
        return not self._pending

"""Members-only content: a page's protected blocks, served only to the readers their rules admit."""

from __future__ import annotations

from authgate.content.router import DENIALS, add_routes
from authgate.errors import ContentNotFound
from authgate.feature import Feature

FEATURE = Feature(name="content", add_routes=add_routes, errors=(ContentNotFound, *DENIALS))

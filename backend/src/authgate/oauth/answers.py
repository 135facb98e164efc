"""A provider's answers, read within a size bound.

Every answer authgate reads from a provider (a token, a discovery document, a key set, GitHub's user and addresses) is
a few kilobytes. httpx reads a whole body into memory and then decodes it, so a provider, or whatever answers at its
address, could send a body of gigabytes, or a small gzip body that inflates to gigabytes, within the deadline that
bounds the exchange's time. The transport here counts the bytes as they arrive and after decoding, and gives up past
MAX_ANSWER_BYTES: an unusable answer, like any other (OAUTH_PROVIDER_ERROR on the site).
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import httpx2

# the largest answer read from a provider, before and after decoding; real ones are a few kilobytes
MAX_ANSWER_BYTES = 1 << 20
# what is asked for: gzip is decoded here, under the bound; identity needs no decoding
ACCEPTED_ENCODING = "gzip"


class UnusableAnswer(ValueError):
    """An answer past the size bound, or in an encoding that was not asked for."""


class CappedTransport(httpx2.AsyncBaseTransport):
    """httpx's own transport, with every response body counted (and gzip decoded) as it streams in."""

    def __init__(self, limit: int = MAX_ANSWER_BYTES) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self._limit = limit

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.headers["Accept-Encoding"] = ACCEPTED_ENCODING
        response = await self._inner.handle_async_request(request)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._limit:
            await response.aclose()
            raise UnusableAnswer("a provider's answer is too large")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip"):
            await response.aclose()
            raise UnusableAnswer("a provider's answer is in an encoding that was not asked for")
        # decoded here, so httpx does not decode it again
        response.headers.pop("Content-Encoding", None)
        response.headers.pop("Content-Length", None)
        stream = response.stream
        assert isinstance(stream, httpx2.AsyncByteStream)
        response.stream = _CappedStream(stream, self._limit, gzipped=encoding == "gzip")
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _CappedStream(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, limit: int, *, gzipped: bool) -> None:
        self._inner = inner
        self._limit = limit
        self._gzipped = gzipped

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = decoded = 0
        # 16 + MAX_WBITS: a gzip header and trailer around deflate data (RFC 1952)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if self._gzipped else None
        async for chunk in self._inner:
            received += len(chunk)
            if received > self._limit:
                raise UnusableAnswer("a provider's answer is too large")
            if inflater is None:
                yield chunk
                continue
            # at most one byte past the bound is inflated: a small body cannot swell in memory first
            data = _inflate(inflater, chunk, self._limit - decoded + 1)
            decoded += len(data)
            if decoded > self._limit:
                raise UnusableAnswer("a provider's answer is too large")
            yield data
        if inflater is not None:
            rest = _inflate(inflater, b"", self._limit - decoded + 1, flush=True)
            if decoded + len(rest) > self._limit:
                raise UnusableAnswer("a provider's answer is too large")
            yield rest

    async def aclose(self) -> None:
        await self._inner.aclose()


def _inflate(inflater: zlib._Decompress, data: bytes, most: int, *, flush: bool = False) -> bytes:
    try:
        return inflater.flush(most) if flush else inflater.decompress(data, most)
    except zlib.error:
        raise UnusableAnswer("a provider's answer is not the gzip it says") from None

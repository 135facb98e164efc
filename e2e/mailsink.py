"""A real SMTP server for the browser tests: every message the API sends lands as one file in a directory.

    python e2e/mailsink.py --port 8025 --dir /tmp/mail

Listens on 127.0.0.1 only (aiosmtpd's Controller), accepts any sender and recipient, and writes each message
as ``<sequence>.eml`` (the raw RFC 5322 text, written to a temporary name and renamed, so a reader never sees a
half-written file). The tests read the newest file addressed to a reader and follow the link inside it.
Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class SaveToDirectory:
    """aiosmtpd handler: one file per accepted message."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sequence = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.original_content or b""
        recipients = ", ".join(envelope.rcpt_tos)
        with self.lock:
            number = next(self.sequence)
        final = self.directory / f"{number:05d}.eml"
        partial = self.directory / f".{number:05d}.eml.tmp"
        # the envelope recipients first, as a header the tests can match even if To: were encoded
        partial.write_bytes(f"X-Envelope-To: {recipients}\r\n".encode() + content)
        os.replace(partial, final)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)

    controller = Controller(SaveToDirectory(args.dir), hostname=args.host, port=args.port)
    controller.start()  # returns once the server answers on the port
    print(f"mailsink: SMTP on {args.host}:{args.port}, messages in {args.dir}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

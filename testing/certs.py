"""Throw-away TLS material: a CA the tests trust through SSL_CERT_FILE, and a server cert."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class Certs:
    ca: Path
    cert: Path
    key: Path
    #: a certificate from a CA nobody trusts
    rogue_cert: Path
    rogue_key: Path


def make_certs(folder: Path) -> Certs:
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    rogue = trustme.CA().issue_cert("127.0.0.1", "localhost")
    paths = Certs(
        folder / "ca.pem",
        folder / "cert.pem",
        folder / "key.pem",
        folder / "rogue-cert.pem",
        folder / "rogue-key.pem",
    )
    ca.cert_pem.write_to_path(str(paths.ca))
    server.cert_chain_pems[0].write_to_path(str(paths.cert))
    server.private_key_pem.write_to_path(str(paths.key))
    rogue.cert_chain_pems[0].write_to_path(str(paths.rogue_cert))
    rogue.private_key_pem.write_to_path(str(paths.rogue_key))
    return paths

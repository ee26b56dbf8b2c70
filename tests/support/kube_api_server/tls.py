"""A certificate authority made per run, so clients verify the server as on a real cluster."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class ServerTls:
    ca: trustme.CA
    cert: trustme.LeafCert

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def write_ca(self, path: Path) -> Path:
        self.ca.cert_pem.write_to_path(str(path))
        return path


def issue_server_tls(*hosts: str) -> ServerTls:
    ca = trustme.CA(organization_name="SRE Orchestrator test API server")
    return ServerTls(ca, ca.issue_cert(*hosts))

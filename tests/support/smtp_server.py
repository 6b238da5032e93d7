"""A local SMTP server for the reminder tests, on 127.0.0.1 in a thread: just enough SMTP for
smtplib (EHLO, STARTTLS, MAIL, RCPT, DATA, QUIT) and STARTTLS with a certificate the test
makes with `cryptography`: a private CA and a server certificate it signs, or a self-signed
one nobody trusts. The network boundary is faked; our sender code runs as it is."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # fixed: no wall clock in tests
NOT_AFTER = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write_key(key, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@dataclass
class Certs:
    ca_file: Path  # the private CA, for AR_SMTP_CA_FILE
    cert_file: Path  # the server's certificate
    key_file: Path


def make_certs(
    folder: Path, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"), self_signed: bool = False
) -> Certs:
    """A CA and a server certificate for `hosts` signed by it (or, with self_signed, a
    server certificate that signs itself: trusted by nobody)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test CA"))
        .issuer_name(_name("Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [
        x509.IPAddress(ipaddress.ip_address(h)) if h[0].isdigit() else x509.DNSName(h)
        for h in hosts
    ]
    issuer_name, issuer_key = (_name(hosts[0]), key) if self_signed else (_name("Test CA"), ca_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    )
    if not self_signed:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    cert = builder.sign(issuer_key, hashes.SHA256())
    certs = Certs(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    certs.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    certs.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, certs.key_file)
    return certs


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    over_tls: bool


@dataclass
class SmtpServer:
    """Messages received (`messages`) and whether a TLS handshake failed (`tls_failures`)."""

    port: int
    messages: list[Received] = field(default_factory=list)
    tls_failures: list[str] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 10

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        state: SmtpServer = self.server.state
        tls = False
        mail_from, rcpts = "", []
        self._reply("220 localhost test SMTP")
        while line := self.rfile.readline():
            verb, _, arg = line.decode(errors="replace").strip().partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250-localhost" if not tls else "250-localhost (tls)")
                self._reply("250 STARTTLS" if not tls else "250 OK")
            elif verb == "STARTTLS" and not tls:
                self._reply("220 ready to start TLS")
                try:
                    self.connection = self.server.tls.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError) as err:
                    state.tls_failures.append(str(err))
                    return
                self.rfile = self.connection.makefile("rb")
                self.wfile = self.connection.makefile("wb")
                tls = True
            elif verb == "MAIL":
                mail_from, rcpts = arg, []
                self._reply("250 ok")
            elif verb == "RCPT":
                rcpts.append(arg)
                self._reply("250 ok")
            elif verb == "DATA":
                self._reply("354 end with .")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                state.messages.append(Received(mail_from, rcpts, b"".join(lines), tls))
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 ok")


class serve_smtp:
    """`with serve_smtp(certs) as server:` a server on 127.0.0.1 for the block."""

    def __init__(self, certs: Certs):
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(certs.cert_file, certs.key_file)

    def __enter__(self) -> SmtpServer:
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.tls = self.tls
        self.server.state = SmtpServer(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.server.state

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

"""url_words: fetches a web page (RQ's classic example) and counts its words.

Not a server-side request forgery tool: every address a host name resolves to must be public
(``ipaddress.is_global``), checked before connecting and again on every redirect, and the
connection goes to the address that was checked (no second DNS lookup to rebind). The environment
variable ``JOBDECK_URL_ALLOWLIST`` (comma-separated host names, addresses or networks such as
``127.0.0.1/32``) lets chosen non-public targets through, e.g. for tests. An IPv6 address that
carries an IPv4 one (IPv4-mapped ``::ffff:a.b.c.d``, IPv4-compatible ``::a.b.c.d``, NAT64
``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo) is judged by the IPv4 address it leads to, which
``ipaddress`` alone calls public. An address written as a literal (``http://127.0.0.1:6379/``) is
refused by ``validate``, so the form and the API answer 400 at once.

The whole fetch has one wall-clock deadline (``TOTAL_SECONDS``), name lookups and socket reads
included: a watchdog shuts the socket down when it passes, however slowly the server drips its
headers or body. Connection
problems raise ``FetchError`` (a ``ConnectionError``) so RQ retries them; refused input and a page
too slow for the deadline are ``TaskInputError``s, never retried.
"""

import concurrent.futures
import contextlib
import http.client
import ipaddress
import logging
import os
import re
import socket
import ssl
import threading
import time
from urllib.parse import urljoin, urlsplit

from jobs.errors import TaskInputError
from jobs.progress import report
from jobs.task_declaration import Params, TaskSpec, param
from jobs.word_frequency import count_words, top_words

log = logging.getLogger(__name__)

MAX_URL_CHARS = 2000
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
SOCKET_TIMEOUT = 10.0
TOTAL_SECONDS = 30.0
TEXT_TYPES = ("text/html", "text/plain", "application/xhtml+xml")
ALLOWLIST_ENV = "JOBDECK_URL_ALLOWLIST"


class FetchError(ConnectionError):
    """The page could not be fetched for a reason that may pass (worth retrying)."""


class PageTooSlow(TaskInputError):
    """The page did not arrive within the deadline: a server this slow will be as slow again."""

    def __init__(self):
        super().__init__(f"The page took longer than {TOTAL_SECONDS:g} seconds to download.")


def validate(params: dict) -> dict:
    url = params.get("url")
    if not isinstance(url, str) or not url.strip():
        raise TaskInputError("Enter the address of a web page.")
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise TaskInputError(f"The address is longer than {MAX_URL_CHARS} characters.")
    parts, _ = check_url_shape(url)
    literal = literal_address(parts.hostname)
    if literal is not None and not allowed(parts.hostname, literal):
        raise TaskInputError(
            f"The address {parts.hostname!r} is private or local ({literal}), which is not fetched."
        )
    return {"url": url}


_IPV4_LEGACY = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)


def literal_address(host: str):
    """The address a host name written as an IP literal stands for (legacy IPv4 forms such as
    ``127.1`` or ``2130706433`` included, as the resolver reads them), else None."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _IPV4_LEGACY.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_url_shape(url: str):
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TaskInputError("The address is not a valid URL.") from exc
    if parts.scheme not in ("http", "https"):
        raise TaskInputError("The address must start with http:// or https://.")
    if not parts.hostname:
        raise TaskInputError("The address has no host name.")
    if parts.username or parts.password:
        raise TaskInputError("Addresses with a user name or password are not fetched.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        # http.client refuses these at fetch time, which would be retried as if the site were down
        raise TaskInputError("The address contains spaces or control characters; write a space as %20.")
    return parts, port


def allowlist() -> tuple[set[str], list]:
    hosts, networks = set(), []
    for item in os.environ.get(ALLOWLIST_ENV, "").split(","):
        item = item.strip().lower()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item)
    return hosts, networks


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to, for the forms that carry one."""
    if address.version != 6:
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address.teredo:
        return address.teredo[1]  # the client behind the Teredo relay
    if address in NAT64 or (int(address) >> 32 == 0 and int(address) > 1):  # NAT64, ::a.b.c.d
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address) -> bool:
    target = embedded_ipv4(address) or address
    return target.is_global and not target.is_multicast


def allowed(host: str, address) -> bool:
    """A public address, or one the allow-list names (by host name, address or network)."""
    hosts, networks = allowlist()
    return host.lower() in hosts or is_public(address) or any(address in net for net in networks)


def _lookup(host: str, port: int, deadline: float) -> list:
    """``getaddrinfo`` within the deadline: the resolver's own timeouts (glibc: 5 s a try, two tries
    a server) can outlast it, so it runs in a thread that is left behind when the deadline passes."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    lookup = pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    pool.shutdown(wait=False)
    try:
        return lookup.result(timeout=max(0.0, deadline - time.monotonic()))
    except concurrent.futures.TimeoutError as exc:
        raise PageTooSlow() from exc


def resolve_checked(host: str, port: int, deadline: float, also_allowed=None) -> str:
    """An address of ``host`` to connect to, once all its addresses are allowed: public, or on the
    allow-list; a caller with its own rule instead of that list (webhooks) gives
    ``also_allowed(address)``."""
    try:
        infos = _lookup(host, port, deadline)
    except socket.gaierror as exc:
        raise FetchError(f"The host name {host!r} could not be resolved.") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    for address in addresses:
        if not (is_public(address) or also_allowed(address) if also_allowed else allowed(host, address)):
            raise TaskInputError(
                f"The address {host!r} points to a private or local network ({address}), which is not fetched."
            )
    return str(addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self.connected_socket = None

    def connect(self):
        self.sock = self.connected_socket = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address
        self.connected_socket = None

    def connect(self):
        sock = self.connected_socket = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _watchdog(conn, deadline: float) -> threading.Timer:
    """Shuts the connection's socket down at the deadline, which ends any read blocked on it."""

    def cut():
        # the TCP socket as connected: http.client drops ``conn.sock`` once a response will close
        sock = getattr(conn, "connected_socket", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to cut
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(0.0, deadline - time.monotonic()), cut)
    timer.daemon = True
    timer.start()
    return timer


def pinned_connection(scheme: str, host: str, port: int, address: str, timeout: float):
    """An HTTP(S) connection to ``address`` (checked), with ``host`` for the Host header and TLS."""
    cls = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    return cls(host, port, address, timeout)


def fetch(url: str, deadline: float) -> dict:
    """GETs ``url`` following up to MAX_REDIRECTS redirects; returns status, final URL, type, body.
    Everything (connecting, TLS, headers, body, redirects) ends by ``deadline`` (``time.monotonic``)."""
    for _ in range(MAX_REDIRECTS + 1):
        parts, port = check_url_shape(url)
        port = port or (443 if parts.scheme == "https" else 80)
        address = resolve_checked(parts.hostname, port, deadline)
        if time.monotonic() >= deadline:
            raise PageTooSlow()
        timeout = min(SOCKET_TIMEOUT, deadline - time.monotonic())
        conn = pinned_connection(parts.scheme, parts.hostname, port, address, timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        watchdog = _watchdog(conn, deadline)
        try:
            conn.request(
                "GET", path, headers={"User-Agent": "Jobdeck url_words", "Accept": "text/html, text/plain"}
            )
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                log.info("Redirected to %s", url)
                continue
            body = bytearray()
            while chunk := response.read1(65536):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise TaskInputError(f"The page is larger than {MAX_BYTES // (1024 * 1024)} MB.")
            if time.monotonic() >= deadline:  # the watchdog ended the body early
                raise PageTooSlow()
            return {
                "status": response.status,
                "url": url,
                "content_type": response.getheader("Content-Type", ""),
                "body": bytes(body),
            }
        except ssl.SSLCertVerificationError as exc:
            raise TaskInputError(
                f"The site's certificate could not be verified: {exc.verify_message}."
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() >= deadline:
                raise PageTooSlow() from exc
            raise FetchError(f"Could not fetch {url}: {exc or type(exc).__name__}.") from exc
        finally:
            watchdog.cancel()
            conn.close()
    raise TaskInputError(f"The page redirected more than {MAX_REDIRECTS} times.")


def page_text(body: bytes, content_type: str) -> tuple[str, str]:
    """(title, visible text) of a page."""
    message = http.client.HTTPMessage()
    message["Content-Type"] = content_type
    charset = message.get_content_charset() or "utf-8"
    try:
        text = body.decode(charset, errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    if "html" not in content_type:
        return "", text
    from jobs.page_html import TextExtractor  # only the work horse that reads a page loads html.parser

    parser = TextExtractor()
    parser.feed(text)
    parser.close()
    return " ".join("".join(parser.title).split()), " ".join(parser.parts)


def run(params: dict) -> dict:
    url = params["url"]
    report(0, 3, f"Fetching {url}")
    log.info("Fetching %s", url)
    try:
        page = fetch(url, time.monotonic() + TOTAL_SECONDS)
        media_type = page["content_type"].split(";", 1)[0].strip().lower()
        if page["status"] >= 500:
            raise FetchError(f"The site answered {page['status']} (a server error) for {page['url']}.")
        if page["status"] >= 400:
            raise TaskInputError(f"The site answered {page['status']} for {page['url']}.")
        if media_type not in TEXT_TYPES:
            raise TaskInputError(
                f"The address gave {media_type or 'no content type'}, not a web page or text."
            )
    except FetchError as exc:
        log.warning("%s", exc)
        raise
    report(2, 3, "Counting words")
    title, text = page_text(page["body"], page["content_type"])
    counts = count_words(text)
    total = sum(counts.values())
    report(3, 3, "done")
    return {
        "summary": f"{page['url']} has {total} word{'s' if total != 1 else ''}"
        + (f" ({title})." if title else "."),
        "url": page["url"],
        "title": title,
        "status": page["status"],
        "bytes": len(page["body"]),
        "words": total,
        "distinct_words": len(counts),
        "top": top_words(counts, 10),
    }


class UrlWordsParams(Params):
    # validate() is the address rule, for the form, the API and the worker alike
    url: str = param(
        title="Web page address",
        examples=["https://example.com/"],
        schema={"format": "uri"},
        message="Enter the address of a web page.",
        clean=lambda url: validate({"url": url})["url"],
    )


TASK = TaskSpec(
    name="url_words",
    title="Words on a web page",
    description="Fetches a public web page and counts its words (RQ's classic example). "
    "Connection errors are retried with back-off.",
    params=UrlWordsParams,
    run=run,
    timeout=120,
    retry_max=3,
    retry_intervals=(5, 30, 120),
    result_kind="url_words",
)

"""Benchmark: how much the citizen booking page weighs on first view, and embed.js.

Setup: `manage.py migrate` and `manage.py load_demo` (subprocesses, as booking.py does), then
daphne (`python -m daphne -b 127.0.0.1 -p <free port> backend.asgi:application`, DEBUG off,
the same DATABASE_URL / VORZIMMER_VAR_DIR).

First view: Debian's Chromium (/usr/bin/chromium, driven by Playwright as in tests/e2e) opens
`/` (and `/?lang=<code>` for the other languages) in a fresh context with an empty cache and
waits until the first step (the locations) is shown and the network is idle. Every response
the browser received counts once by URL: the HTML, the style sheets, every JavaScript module
of the import graph (static and any dynamic import that ran) and the language catalogs —
except /graphql, which is data, not page weight. Two sums: the bytes that actually came over
the wire (the encoded body sizes Chromium reports; the app gzips pages and static files itself,
backend/web/compression.py, so Content-Encoding is gzip), and, for comparison, each body
compressed with gzip -9 (what precompressed static files would send).

embed.js: the file the portals include (/embed.js), raw bytes as served, and gzip -9 for
information.

Targets: booking page first view <= 60 KB as transferred and as gzip -9, in German (the
default) and in the heaviest of the measured languages (each loads only its own catalog);
every file of the first view arrives gzip-encoded; embed.js <= 3 KB raw.

Run from the repository root:
    .venv/bin/python ops/bench/weight.py
    .venv/bin/python ops/bench/weight.py --languages de ar
"""

from __future__ import annotations

import argparse
import gzip
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

import harness

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()

KB = 1024
TARGET_PAGE_GZIP_KB = 60.0
TARGET_EMBED_RAW_KB = 3.0
LANGUAGES = ["de", "en", "tr", "ar", "uk"]
FIRST_STEP = '[data-testid="location-option"]'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--languages",
        nargs="+",
        choices=LANGUAGES,
        default=LANGUAGES,
        help="first views to measure (the target is on German, the default; always measured)",
    )
    parser.add_argument("--files", action="store_true", help="list every file of each view")
    return parser.parse_args()


def gzip9(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def kib(size: int) -> str:
    return f"{size / KB:6.1f} KB"


# --- first view in Chromium --------------------------------------------------------------------


@dataclass(frozen=True)
class Asset:
    path: str
    kind: str  # document, stylesheet, script, fetch, …
    raw: int
    gzipped: int  # gzip -9 of the body
    transferred: int  # the body as it came over the wire (encoded)
    encoding: str  # Content-Encoding as served ("" when none)


@dataclass(frozen=True)
class View:
    lang: str
    assets: list[Asset]
    data_requests: int  # /graphql, not counted

    @property
    def raw(self) -> int:
        return sum(a.raw for a in self.assets)

    @property
    def gzipped(self) -> int:
        return sum(a.gzipped for a in self.assets)

    @property
    def transferred(self) -> int:
        return sum(a.transferred for a in self.assets)

    @property
    def unencoded(self) -> list[str]:
        """Files that came without gzip (none should)."""
        return [a.path for a in self.assets if a.encoding != "gzip"]


def first_view(browser, server: harness.Daphne, lang: str) -> View:
    """Opens the booking page in a fresh context (empty cache) and collects its responses."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto(server.url + ("/" if lang == "de" else f"/?lang={lang}"))
        page.wait_for_selector(FIRST_STEP, timeout=20_000)
        page.wait_for_load_state("networkidle")
        if page.evaluate("() => document.documentElement.lang") != lang:
            raise SystemExit(f"the page did not switch to {lang!r}")
        assets: dict[str, Asset] = {}
        data_requests = 0
        for response in responses:
            parts = urlsplit(response.url)
            if parts.netloc != f"127.0.0.1:{server.port}":
                raise SystemExit(f"unexpected request to another host: {response.url}")
            if parts.path == "/graphql":
                data_requests += 1
                continue
            if response.status != 200:
                raise SystemExit(f"{response.url}: HTTP {response.status}")
            key = parts.path + (f"?{parts.query}" if parts.query else "")
            if key not in assets:
                body = response.body()  # decoded by the browser
                kind = response.request.resource_type
                sent = response.request.sizes()["responseBodySize"]
                encoding = response.headers.get("content-encoding", "")
                assets[key] = Asset(key, kind, len(body), gzip9(body), sent, encoding)
        return View(lang, list(assets.values()), data_requests)
    finally:
        context.close()


def describe_view(view: View, files: bool) -> None:
    by_kind: dict[str, list[Asset]] = {}
    for asset in view.assets:
        by_kind.setdefault(asset.kind, []).append(asset)
    print(
        f"  {view.lang}: {len(view.assets)} files, {kib(view.raw)} raw, "
        f"{kib(view.transferred)} transferred, {kib(view.gzipped)} gzip -9"
        f" ({view.data_requests} GraphQL requests not counted)"
    )
    if view.unencoded:
        print(f"      not gzip-encoded: {', '.join(view.unencoded)}")
    for kind, assets in sorted(by_kind.items(), key=lambda item: -sum(a.gzipped for a in item[1])):
        raw, packed = sum(a.raw for a in assets), sum(a.gzipped for a in assets)
        sent = sum(a.transferred for a in assets)
        print(
            f"      {kind:<11} {len(assets):3d} files {kib(raw)} raw {kib(sent)} transferred"
            f" {kib(packed)} gzip -9"
        )
    if files:
        for asset in sorted(view.assets, key=lambda a: -a.gzipped):
            print(
                f"        {kib(asset.raw)} raw {kib(asset.transferred)} sent "
                f"({asset.encoding or 'identity'}) {kib(asset.gzipped)} gzip -9  {asset.path}"
            )


def measure_pages(server: harness.Daphne, languages: list[str]) -> list[View]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = harness.launch_chromium(playwright)
        try:
            return [first_view(browser, server, lang) for lang in languages]
        finally:
            browser.close()


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    languages = ["de", *[lang for lang in args.languages if lang != "de"]]
    print(f"Page weight on {harness.database_label(ENV)}")
    print(f"  manage.py migrate: ok; load_demo: {harness.migrate_and_load_demo(ENV)}")

    with harness.Daphne(ENV) as server:
        print(f"  daphne on {server.url}; Chromium {harness.CHROMIUM}")
        status, embed_served, _encoding = server.get("/embed.js")
        if status != 200:
            raise SystemExit(f"/embed.js: HTTP {status}")
        print("\nBooking page, first view (empty cache; as transferred, and gzip -9 per response)")
        status, _body, encoding = server.get("/embed.js", "gzip")
        embed_encoding = encoding if status == 200 else f"HTTP {status}"
        views = measure_pages(server, languages)
    for view in views:
        describe_view(view, args.files)

    embed_file = (harness.REPO / "embed" / "embed.js").read_bytes()
    if embed_file != embed_served:
        raise SystemExit("/embed.js differs from embed/embed.js")
    print("\nembed.js (the portals' loader)")
    raw, packed = len(embed_served), gzip9(embed_served)
    print(
        f"  {kib(raw)} raw ({raw} bytes), {kib(packed)} gzip -9 ({packed} bytes); "
        f"served with Accept-Encoding gzip as: {embed_encoding or 'identity'}"
    )

    german = views[0]
    heaviest = max(views, key=lambda v: v.gzipped)
    heaviest_sent = max(views, key=lambda v: v.transferred)
    figures = {
        "booking_page_transferred_kb": round(german.transferred / KB, 2),
        "booking_page_gzip_kb": round(german.gzipped / KB, 2),
        "booking_page_raw_kb": round(german.raw / KB, 2),
        "booking_page_files": len(german.assets),
        "by_language_transferred_kb": {v.lang: round(v.transferred / KB, 2) for v in views},
        "by_language_gzip_kb": {v.lang: round(v.gzipped / KB, 2) for v in views},
        "files_not_gzip_encoded": sorted({p for v in views for p in v.unencoded}),
        "heaviest_language": heaviest.lang,
        "by_kind_gzip_kb": {
            kind: round(sum(a.gzipped for a in german.assets if a.kind == kind) / KB, 2)
            for kind in sorted({a.kind for a in german.assets})
        },
        "embed_js_raw_bytes": raw,
        "embed_js_gzip_bytes": packed,
    }
    targets = [
        harness.Target(
            "booking page first view, transferred (German)",
            figures["booking_page_transferred_kb"],
            "<=",
            TARGET_PAGE_GZIP_KB,
            " KB",
        ),
        harness.Target(
            f"booking page first view, transferred (heaviest: {heaviest_sent.lang})",
            round(heaviest_sent.transferred / KB, 2),
            "<=",
            TARGET_PAGE_GZIP_KB,
            " KB",
        ),
        harness.Target(
            "first-view files served without gzip",
            len(figures["files_not_gzip_encoded"]),
            "<=",
            0,
            "",
        ),
        harness.Target(
            "booking page first view, gzip -9 (German)",
            figures["booking_page_gzip_kb"],
            "<=",
            TARGET_PAGE_GZIP_KB,
            " KB",
        ),
        harness.Target(
            f"booking page first view, gzip -9 (heaviest: {heaviest.lang})",
            round(heaviest.gzipped / KB, 2),
            "<=",
            TARGET_PAGE_GZIP_KB,
            " KB",
        ),
        harness.Target("embed.js raw", round(raw / KB, 2), "<=", TARGET_EMBED_RAW_KB, " KB"),
    ]
    passed = harness.report("weight", ENV, figures, targets)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

"""The static pages (kiosk, call display, ticket status, staff console, the citizen site) served
by the app itself, with a strict Content-Security-Policy: only our own scripts, styles and
connections, never framed (the embed only by its portals)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import ensure_csrf_cookie

from backend.catalog.lookup import find_location_by_key
from backend.catalog.models import Organization

from .origins import frame_ancestor_origins
from .pages_language import localize, requested_language

BASE = Path(settings.BASE_DIR)
PAGES = {
    "site": BASE / "frontend_static" / "index.html",
    "manage": BASE / "frontend_static" / "manage.html",
    "waitlist": BASE / "frontend_static" / "waitlist.html",
    "embed": BASE / "embed" / "embed.html",
    "kiosk": BASE / "kiosk" / "kiosk.html",
    "display": BASE / "kiosk" / "display.html",
    "ticket": BASE / "frontend_static" / "ticket.html",
    "staff": BASE / "frontend_static" / "staff.html",
}
# The citizen pages are rendered in the language of ?lang= (pages_language.py).
CITIZEN_PAGES = {"site", "manage", "waitlist", "embed"}
DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
]
CSP = "; ".join([*DIRECTIVES, "frame-ancestors 'none'"])


@cache
def _cached(path: Path) -> bytes:
    return path.read_bytes()


def _html(name: str) -> bytes:
    path = PAGES[name]
    if not path.exists():
        raise Http404(f"The {name} page is not built.")
    return path.read_bytes() if settings.DEBUG else _cached(path)


def _page_html(name: str, request: HttpRequest, *, fixed_language: bool = False) -> bytes:
    """The page's HTML; a citizen page in the language of ?lang= when that is one of ours.
    `fixed_language`: the page's script takes its language only from ?lang= (the embed keeps
    no stored choice), so what the server renders is final."""
    html = _html(name)
    if name not in CITIZEN_PAGES:
        return html
    language = requested_language(request)
    if language is None and not fixed_language:
        return html
    return localize(html, language or settings.LANGUAGE_CODE, cache=not settings.DEBUG)


def page(name: str):
    """A view serving one static page (re-read on every request in DEBUG). Never framed."""

    @ensure_csrf_cookie  # the staff console sends it back with its GraphQL requests
    def view(request, **kwargs):
        response = HttpResponse(_page_html(name, request), content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = CSP
        response["Cache-Control"] = "no-cache"
        return response

    view.__name__ = f"{name}_page"
    return view


def embed_organization(request: HttpRequest) -> Organization | None:
    """The organization whose widget this is: ?org=<slug>, else the owner of ?location=
    (id, slug or short name; none when the key is ambiguous across organizations)."""
    if slug := request.GET.get("org", "").strip().lower():
        return Organization.objects.filter(slug=slug).first()
    if key := request.GET.get("location", "").strip():
        match = find_location_by_key(key)
        return match.organization if match else None
    return None


@xframe_options_exempt
def embed_page(request):
    """The booking widget for iframes in city portals: only the deployment's listed origins
    and those of the widget's organization (?org= or ?location=) may frame it (CSP
    frame-ancestors; X-Frame-Options cannot list origins, so it is not sent). It sets no
    cookies and keeps no storage, so it works where third-party cookies are blocked."""
    ancestors = " ".join(["'self'", *frame_ancestor_origins(embed_organization(request))])
    response = HttpResponse(
        _page_html("embed", request, fixed_language=True), content_type="text/html; charset=utf-8"
    )
    response["Content-Security-Policy"] = "; ".join([*DIRECTIVES, f"frame-ancestors {ancestors}"])
    response["Cache-Control"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response


def embed_script(request):
    """`<script src="https://termine.example/embed.js" data-location="rathaus" async>`."""
    path = BASE / "embed" / "embed.js"
    if not path.exists():
        raise Http404("embed.js is not built.")
    response = HttpResponse(
        path.read_bytes() if settings.DEBUG else _cached(path),
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def service_worker(request):
    """/sw.js at the root, so its scope covers every page (Web Push "notify me")."""
    path = BASE / "frontend_static" / "sw.js"
    if not path.exists():
        raise Http404("sw.js is not built.")
    response = HttpResponse(
        path.read_bytes() if settings.DEBUG else _cached(path),
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response

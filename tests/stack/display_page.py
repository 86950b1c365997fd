"""The real call display page (kiosk/display.js) in Debian's headless Chromium, opened through
the proxy over https. Chromium trusts the stack's certificate by its key's pin
(--ignore-certificate-errors-spki-list), only in this browser: no CA is installed anywhere.

The page records in itself when each called number first appears (a MutationObserver), in
wall-clock milliseconds, so a long wait on the Python side cannot distort the figures."""

from __future__ import annotations

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.stack.stack import Stack

WAIT_MS = 120_000
RECORD_CALLS = """() => {
  window.__seen = {};
  const record = () => {
    for (const item of document.querySelectorAll('[data-testid="board-called-item"]')) {
      const number = item.dataset.number;
      if (number && !(number in window.__seen)) window.__seen[number] = Date.now();
    }
  };
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true });
  record();
}"""


def launch(playwright, stack: Stack):
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={stack.tls.spki_sha256}"],
    )


class DisplayPage:
    def __init__(self, browser, stack: Stack, location: str):
        self.context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
        self.page = self.context.new_page()
        self.page.goto(f"{stack.base_url}/display/queue?location={location}")
        self.page.wait_for_selector('html[data-connection="online"]', timeout=WAIT_MS)
        self.page.wait_for_selector('#main:not([aria-busy="true"])', timeout=WAIT_MS)
        self.page.evaluate(RECORD_CALLS)

    def wait_for(self, number: str) -> None:
        self.page.wait_for_selector(
            f'[data-testid="board-called-item"][data-number="{number}"]', timeout=WAIT_MS
        )

    def online(self) -> bool:
        return self.page.evaluate("document.documentElement.dataset.connection") == "online"

    def seen_ms(self) -> dict[str, int]:
        return self.page.evaluate("window.__seen")

    def close(self) -> None:
        self.context.close()

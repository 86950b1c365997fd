"""tests/ops drive the operator scripts of ops/ for real. The kiosk tests run ops/kiosk's
browser script against the end-to-end suite's live server (tests/e2e/conftest.py)."""

from tests.e2e.conftest import _daphne, _fast_password_hashing, live_server_e2e  # noqa: F401

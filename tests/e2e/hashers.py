"""A password hasher for e2e tests whose hashes the live server (production settings) verifies.

tests/conftest.py hashes with MD5 for speed, which the server's PASSWORD_HASHERS cannot read.
PBKDF2-SHA256 stores its iteration count in each hash, so this cheap variant keeps the
algorithm name "pbkdf2_sha256" and is checked by Django's default hasher on the server (which
re-hashes it with the full count at the first successful login, as it would in production).
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000

"""API tokens (stored as SHA-256), claim secrets and passwords (argon2)."""
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "rmt_"
_hasher = PasswordHasher()


def new_token():
    """A random API token; only its hash is stored."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_claim_secret():
    return secrets.token_urlsafe(24)


def sha256(text):
    # Tokens and claim secrets are long and random: a fast hash is enough and keeps the hot
    # path fast (a slow hash is for guessable secrets such as passwords).
    return hashlib.sha256(text.encode()).hexdigest()


def hash_password(password):
    return _hasher.hash(password)


def password_matches(password_hash, password):
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

"""argon2id password hashing, with parameters from the configuration."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def hasher() -> PasswordHasher:
    cfg = current_app.config
    key = "school.password_hasher"
    ph = current_app.extensions.get(key)
    if ph is None:
        ph = PasswordHasher(
            time_cost=int(cfg.get("PASSWORD_HASH_TIME_COST", 3)),
            memory_cost=int(cfg.get("PASSWORD_HASH_MEMORY_KIB", 65536)),
            parallelism=int(cfg.get("PASSWORD_HASH_PARALLELISM", 4)),
        )
        current_app.extensions[key] = ph
        # Verified against when the email is unknown, so both cases cost the same time.
        current_app.extensions[key + ".dummy"] = ph.hash(secrets.token_hex(16))
    return ph


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches. Unknown users (``None``) cost the same time."""
    ph = hasher()
    target = stored_hash or current_app.extensions["school.password_hasher.dummy"]
    try:
        return ph.verify(target, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Every reason this password is refused (empty when it is acceptable)."""
    problems = []
    minimum = int(current_app.config["PASSWORD_MIN_LENGTH"])
    if len(password) < minimum:
        problems.append(f"Use at least {minimum} characters.")
    if len(password) > 200:
        problems.append("Use at most 200 characters.")
    lowered = password.lower()
    if email and lowered == email.lower():
        problems.append("The password must not be your email address.")
    if name and lowered == name.lower():
        problems.append("The password must not be your name.")
    if len(set(password)) < 4:
        problems.append("The password repeats too few different characters.")
    if lowered in COMMON:
        problems.append("This password is too common.")
    return problems


COMMON = frozenset(
    [
        "password123", "password1234", "1234567890", "12345678910", "qwertyuiop",
        "qwerty1234", "iloveyou123", "letmein123", "welcome123", "administrator",
        "passw0rd123", "changeme123", "abcdefghij", "0123456789",
    ]
)  # fmt: skip

"""Email addresses in email-validator's normalized form, with a fast path for plain ones.

email-validator costs about 25 µs an address, the largest part of an insert's own CPU: it
splits, checks and normalizes character by character, in Unicode. For a plain ASCII address
(dot-atom local part, hostname labels, no Punycode) its rules come down to one regular
expression and a few checks, applied here directly. Anything else, and every address the
fast path would not accept, goes to email-validator itself: unusual addresses and every
error message are exactly its own. tests/test_emails.py holds both paths to its answers.
"""

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

# RFC 5322 atext, in dot-separated runs; then hostname labels (letters and digits, single
# hyphens only between them: "--", as in Punycode's "xn--", takes the slow path), two labels
# at least, the last ending in a letter. Each piece can match only one way, so matching takes
# time linear in the length.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
_PLAIN_ADDRESS = re.compile(rf"({_ATEXT}+(?:\.{_ATEXT}+)*)@({_LABEL}(?:\.{_LABEL})+)(?<=[A-Za-z])")

# email-validator's limits. A longer local part is valid since its 2.3 and not before: the
# slow path decides. The domain's own limit, 253, needs no check: within 254 it has at most 252.
_ADDRESS_MAX_LENGTH = 254
_LOCAL_PART_MAX_LENGTH = 64
_LABEL_MAX_LENGTH = 63

_SPECIAL_USE_DOMAINS = frozenset(SPECIAL_USE_DOMAIN_NAMES)
_SPECIAL_USE_SUFFIXES = tuple(f".{name}" for name in SPECIAL_USE_DOMAIN_NAMES)
# RFC 2142 mailbox names (postmaster, abuse, ...), which email-validator lowercases.
_CASE_INSENSITIVE_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def normalize_email(value: str) -> str:
    """`validate_email(value, check_deliverability=False).normalized`, the same answer and the
    same `EmailNotValidError`, without its cost for plain ASCII addresses."""
    plain = _plain_address(value)
    if plain is not None:
        return plain
    return validate_email(value, check_deliverability=False).normalized


def _plain_address(value: str) -> str | None:
    """The normalized form of a plain address that email-validator accepts; None for anything
    else, left to it: too long, not plain, or rejected by one of its rules."""
    if len(value) > _ADDRESS_MAX_LENGTH:
        return None
    match = _PLAIN_ADDRESS.fullmatch(value)
    if match is None:
        return None
    local, domain = match.groups()
    if len(local) > _LOCAL_PART_MAX_LENGTH:
        return None
    if len(domain) > _LABEL_MAX_LENGTH and any(
        len(label) > _LABEL_MAX_LENGTH for label in domain.split(".")
    ):
        return None
    # The domain is compared and returned in lower case, as email-validator's IDNA mapping
    # leaves it; the local part as given, but for the RFC 2142 names.
    domain = domain.lower()
    if domain in _SPECIAL_USE_DOMAINS or domain.endswith(_SPECIAL_USE_SUFFIXES):
        return None
    if local.lower() in _CASE_INSENSITIVE_MAILBOXES:
        local = local.lower()
    return f"{local}@{domain}"

"""normalize_email gives exactly email-validator's answer: the same normalized address, or the
same error with the same message, on hand-picked edge cases and on a generated corpus."""

import random
from collections.abc import Callable

import pytest
from email_validator import EmailNotValidError, validate_email

from socialproof.emails import _plain_address, normalize_email

Outcome = tuple[str, str]
Normalize = Callable[[str], str]


def outcome_of(normalize: Normalize, value: str) -> Outcome:
    """("ok", normalized) or (error class, message)."""
    try:
        return ("ok", normalize(value))
    except EmailNotValidError as error:
        return (type(error).__name__, str(error))


def reference(value: str) -> str:
    return validate_email(value, check_deliverability=False).normalized


EDGE_CASES = [
    # Plain, as most are.
    "ada@example.com",
    "Ada.Lovelace@Example.COM",
    "a@b.co",
    "first.last+tag@sub.domain.example.org",
    "x_y-z@a-b.c-d.museum",
    "!#$%&'*+-/=?^_`{|}~@example.com",
    "user@123.example.com",
    "user@example.c0m",
    "user@example.com1",
    "user@1.2.3.4",
    "user@example.1a",
    # RFC 2142 mailbox names, lowercased whatever their case; lookalikes are not.
    "Postmaster@example.com",
    "ABUSE@example.com",
    "WebMaster@Example.com",
    "marketing@example.com",
    "Marking@example.com",
    "postmasters@example.com",
    "post.master@example.com",
    # Lengths at and just over each limit: local part 64, label 63, domain 253, address 254.
    "a" * 64 + "@example.com",
    "a" * 65 + "@example.com",
    "a" * 200 + "@example.com",
    "user@" + "a" * 63 + ".com",
    "user@" + "a" * 64 + ".com",
    "user@" + "a" * 63 + "." + "b" * 63 + ".com",
    "user@" + "a" * 62 + "-" + "b" + ".com",
    "user@" + ".".join(["a" * 60] * 4) + ".com",
    "x@" + ".".join(["a" * 49] * 5) + ".com",
    "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".com",
    "a" * 64 + "@" + ".".join(["b" * 62] * 3) + ".com",
    "a" * 250 + "@b.co",
    "a" * 249 + "@b.co",
    "user@" + "a" * 250 + ".com",
    # Dots and hyphens.
    ".user@example.com",
    "user.@example.com",
    "us..er@example.com",
    "user@.example.com",
    "user@example.com.",
    "user@example..com",
    "user@-example.com",
    "user@example-.com",
    "user@exa--mple.com",
    "user@ab--cd.com",
    "user@example.-com",
    "user@example.co-m",
    "user@example.com-",
    # Reserved and special-use names, in any case.
    "user@example.local",
    "user@EXAMPLE.LOCAL",
    "user@localhost",
    "user@mail.localhost",
    "user@example.test",
    "user@example.Test",
    "user@example.invalid",
    "user@example.onion",
    "user@in-addr.arpa",
    "user@10.in-addr.arpa",
    "user@local.com",
    "user@test.example.com",
    "user@notlocal",
    "user@example.locals",
    "user@example.xlocal",
    # No domain dot, no top-level letter.
    "user@example",
    "user@com",
    "user@example.123",
    "user@example.1",
    # Missing or extra pieces.
    "",
    "@",
    "user",
    "user@",
    "@example.com",
    "user@@example.com",
    "user@exa@mple.com",
    "user@example.com ",
    " user@example.com",
    "user@example.com\n",
    "user @example.com",
    "user@exam ple.com",
    "user\x00@example.com",
    "user@example.com\x00",
    "user@exa_mple.com",
    "user@exa+mple.com",
    # Quoted local parts, display names, IP literals: email-validator's call.
    '"user"@example.com',
    '"us er"@example.com',
    '"user@x"@example.com',
    '"a\\"b"@example.com',
    "Ada <ada@example.com>",
    "<ada@example.com>",
    "user@[127.0.0.1]",
    "user@[IPv6:::1]",
    "user(comment)@example.com",
    "user,x@example.com",
    "user;x@example.com",
    "user[x]@example.com",
    "user\\x@example.com",
    # Punycode and international addresses.
    "user@xn--bcher-kva.de",
    "user@XN--BCHER-KVA.DE",
    "user@xn--bcher.de",
    "user@xn--.de",
    "user@xn--80ak6aa92e.com",
    "user@bücher.de",
    "user@BÜCHER.DE",
    "üser@example.com",
    "用户@例子.广告",
    "δοκιμή@παράδειγμα.δοκιμή",
    "user@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com",  # fullwidth "example"
    "user@example\u3002com",  # ideographic full stop
    "user\uff20example.com",  # fullwidth at-sign
    "user\ufe6bexample.com",  # small commercial at
    "e\u0301@example.com",
    "\u0301e@example.com",
    "user\u200b@example.com",
    "user@exa\u200bmple.com",
    "user@example.com\u202e",
    "İnfo@example.com",
    "\u0131nfo@example.com",  # dotless i
    "user@straße.de",
    "user@ﬁ.com",
    "ᴀᴅᴀ@example.com",
    "user@\u217cocal.com",  # small roman numeral fifty for the l
    "user@example.\u217cocal",
]


@pytest.mark.parametrize("value", EDGE_CASES)
def test_edge_cases_match_email_validator(value: str) -> None:
    assert outcome_of(normalize_email, value) == outcome_of(reference, value)


def test_the_fast_path_takes_plain_addresses() -> None:
    # Without this the comparisons above would pass with every address on the slow path.
    assert _plain_address("Ada.Lovelace@Example.COM") == "Ada.Lovelace@example.com"
    assert _plain_address("Postmaster@Example.com") == "postmaster@example.com"
    assert _plain_address("a" * 64 + "@example.com") == "a" * 64 + "@example.com"
    for not_plain in ("user@bücher.de", '"user"@example.com', "user@xn--bcher-kva.de"):
        assert _plain_address(not_plain) is None


# The generated corpus: addresses put together from pieces near every rule's edge.

ATEXT = "abcXYZ019!#$%&'*+-/=?^_`{|}~"
TRICKY = ' "(),:;<>@[\\].\x00\t\n'
UNICODE = "éüñßİ\u0131日本δ\u0301\u200b\u202e\uff21\uff20\u3002\u217cﬁ"
MAILBOXES = ["postmaster", "Abuse", "INFO", "marketing", "Marking", "news", "uucp"]
PLAIN_LABELS = ["example", "EXAMPLE", "Mail", "a", "b2", "123", "x-y", "a-b-c", "a" * 63]
ODD_LABELS = ["-a", "a-", "a--b", "xn--bcher-kva", "XN--BCHER-KVA", "xn--abc", "bücher", "ÄÖ"]
ODD_LABELS += ["\uff45\uff58", "b" * 64, ""]
PLAIN_TLDS = ["com", "COM", "org", "co", "c0m", "x-y"]
ODD_TLDS = ["1", "123", "local", "LOCAL", "localhost", "test", "Test", "invalid", "onion", "arpa"]
ODD_TLDS += ["example", "locals", "xlocal", "\u217cocal"]


def generated_address(rng: random.Random) -> str:
    local = generated_local_part(rng)
    domain = generated_domain(rng)
    at = rng.choices(["@", "@@", "", "\uff20"], weights=[40, 1, 1, 1])[0]
    address = local + at + domain
    if rng.random() < 0.03:
        address = rng.choice([" ", "\n", "<", ">"]) + address
    if rng.random() < 0.03:
        address = address + rng.choice([" ", "\n", ".", ">"])
    return address


def generated_local_part(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.1:
        name = rng.choice(MAILBOXES)
        return "".join(c.upper() if rng.random() < 0.3 else c for c in name)
    if kind < 0.15:
        inner = "".join(rng.choice(ATEXT + TRICKY) for _ in range(rng.randint(0, 8)))
        return '"' + inner + '"'
    if kind < 0.6:  # dot-separated runs of atext, some long
        length = rng.choice([rng.randint(1, 8), rng.randint(20, 34)])
        runs = ["".join(rng.choice(ATEXT) for _ in range(length)) for _ in range(rng.randint(1, 3))]
        return ".".join(runs)
    alphabet = ATEXT * 8 + "." * 6
    if rng.random() < 0.2:
        alphabet += TRICKY
    if rng.random() < 0.2:
        alphabet += UNICODE
    length = rng.choice([rng.randint(0, 12), rng.randint(60, 70), rng.randint(180, 250)])
    return "".join(rng.choice(alphabet) for _ in range(length))


def generated_domain(rng: random.Random) -> str:
    if rng.random() < 0.03:
        return rng.choice(["[127.0.0.1]", "[IPv6:::1]", "[1.2.3]", "[x:y]"])
    labels = [
        rng.choice(PLAIN_LABELS if rng.random() < 0.8 else ODD_LABELS)
        for _ in range(rng.randint(0, 4))
    ]
    if rng.random() < 0.1:
        labels.append("c" * rng.randint(40, 63))
    domain = ".".join([*labels, rng.choice(PLAIN_TLDS if rng.random() < 0.6 else ODD_TLDS)])
    if rng.random() < 0.05:
        position = rng.randint(0, len(domain))
        domain = domain[:position] + rng.choice(TRICKY + UNICODE + ".-") + domain[position:]
    if rng.random() < 0.3:
        domain = "".join(c.upper() if rng.random() < 0.5 else c for c in domain)
    return domain


def test_a_generated_corpus_matches_email_validator() -> None:
    rng = random.Random(20261126)
    corpus = [generated_address(rng) for _ in range(20_000)]
    mismatches = [
        (value, mine, theirs)
        for value in corpus
        if (mine := outcome_of(normalize_email, value)) != (theirs := outcome_of(reference, value))
    ]
    assert mismatches[:5] == []
    # The corpus reaches both paths and both answers, enough of each to mean something.
    fast = sum(_plain_address(value) is not None for value in corpus)
    valid = sum(outcome_of(reference, value)[0] == "ok" for value in corpus)
    assert fast > 2_000
    assert valid - fast > 1_000  # valid, but not plain: the slow path's
    assert len(corpus) - valid > 5_000

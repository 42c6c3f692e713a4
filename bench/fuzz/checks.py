"""Schemathesis checks for Gongkai: what the fuzz run counts as a failure.

Loaded by bench/fuzz.sh through SCHEMATHESIS_HOOKS. A GraphQL error is the normal answer to most
fuzzed input; what must never happen is an internal error, an error without a code, an HTTP 5xx, or
a message that gives internals away (SQL, file paths, the parser's own output).
"""

import json

import schemathesis

CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "RATE_LIMITED",
    "CONFLICT",
    "CONSULTATION_NOT_OPEN",
    "SERVICE_UNAVAILABLE",
}

LEAKS = [
    "sql",
    "panicked",
    "postgres",
    "sqlite",
    "constraint",
    "database error",
    "stack backtrace",
    "src/",
    ".rs:",
    "redis",
    "-->",
    "invalid byte sequence",
]


@schemathesis.check
def gongkai_no_internal_errors(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError("the answer is not JSON")
    sent = getattr(response.request, "body", None) or b""
    if isinstance(sent, bytes):
        sent = sent.decode("utf-8", "replace")
    sent = sent.lower()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code not in CODES:
            raise AssertionError(f"error code {code!r}: {error.get('message')!r}")
        message = str(error.get("message", "")).lower()
        for word in LEAKS:
            # A message may quote what the client sent (an unknown enum value, say): that is no leak.
            if word in message and word not in sent:
                raise AssertionError(f"the message gives `{word}` away: {error.get('message')!r}")

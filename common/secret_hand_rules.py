"""The hand-written secret rules: what gitleaks' maintained set misses in cluster text.

`key = value` in every syntax applications log, credentials in URLs, label-less key pairs,
headers, cookies, distinctive token prefixes found without a label, and private keys whole or
cut by a tail window. Each rule names the keywords that must occur on a line for it to run
(redaction.py scans for all keywords at once).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from common.secret_rules import Rule, keyword_pattern, shannon_entropy

# --- what a secret looks like once found by its label ------------------------------------------

# Values that are never secrets whatever their label: placeholders, templates, booleans.
_PLACEHOLDER = re.compile(
    r"(?i)^(?:true|false|null|nil|none|yes|no|on|off|undefined|\[?redacted]?|\*+|x+|\.+|-+|"
    r"\$\w+|\$?\{[^{}]*}?|\{\{.*}}|<[^>]*>|%[sdv]|%\(\w+\)s|\?+)$"
)


def _labelled_value(secret: str) -> bool:
    """A value found after a secret-like label that is really a value, not a placeholder."""
    return not _PLACEHOLDER.match(secret.strip())


def _random_looking(secret: str) -> bool:
    """Mixed letters and digits or symbols, as keys and tokens are and words are not."""
    has_digit = any(c.isdigit() for c in secret)
    has_symbol = any(c in "._~+/=-" for c in secret)
    upper = sum(c.isupper() for c in secret)
    lower = sum(c.islower() for c in secret)
    return has_digit or has_symbol or (upper >= 2 and lower >= 2) or len(secret) >= 24


def _space_separated_token(secret: str) -> bool:
    # Only a value that cannot be a word: "password authentication failed" must survive.
    return (
        len(secret) >= 16
        and any(c.isdigit() for c in secret)
        and any(c.isalpha() for c in secret)
        and shannon_entropy(secret) >= 3.0
    )


def _assignment_key(match: re.Match[str]) -> bool:
    """Whether the key around a label found by the assignment rule is a key assigned a value."""
    text, start = match.string, match.start()
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.-"):
        start -= 1
    before = text[start - 1] if start else ""
    if before == "*" or text.endswith("://", 0, start):
        # "*v1.Secret: secrets is forbidden" names a Go type; "https://x-access-token:...@host"
        # is a URL's user, which the URL rule redacts up to its host.
        return False
    if match.group("bare") is not None and before and before in "\"'":
        # A quoted key with an unquoted value is a program's structure, not a secret:
        # 'volume "db-secret" : secret "db-secret" not found', {'token_ttl': 900}.
        return False
    if _prose_after_colon(match):
        return False
    if match.group("token") is not None:
        return _space_separated_token(match.group("token"))
    return True


def _prose_after_colon(match: re.Match[str]) -> bool:
    """ "credentials: cannot check peer", "auth: user jane logged in": a sentence, not a value.

    Only a lowercase word after a colon and before another word; one that ends the line is
    still taken for a password.
    """
    bare, text = match.group("bare"), match.string
    return (
        bare is not None
        and bare.isalpha()
        and bare.islower()
        and text[: match.start("bare")].rstrip().endswith(":")
        and re.match(r" +[a-z]", text[match.end("bare") :]) is not None
    )


def _aws_secret_key(secret: str) -> bool:
    return any(c.isupper() for c in secret) and any(c.islower() for c in secret) and shannon_entropy(secret) >= 3.5


# --- hand-written rules -------------------------------------------------------------------------

# A label whose value is a secret wherever it occurs in the key (DB_PASSWORD, api-key, jwtSecret).
_KEY_PREFIXES = (
    "api", "access", "private", "secret", "encryption", "signing", "session", "jwt", "master", "account",
    "shared_access", "shared-access", "sharedaccess", "client", "license", "auth", "hmac", "app", "ssh", "gpg",
    "pgp", "encrypt", "decrypt", "crypto", "cipher", "subscription",
)  # fmt: skip
_STRONG_WORDS = (
    "password", "passwd", "passphrase", "pwd", "secret", "token", "credential", "apikey", "signature",
    *(prefix + sep + "key" for prefix in _KEY_PREFIXES for sep in ("", "_", "-", ".")),
)  # fmt: skip
_STRONG_LABEL = keyword_pattern(_STRONG_WORDS)
# A label that names a secret only as the key's last word (DB_PASS, REDIS_AUTH, sig); "author" and
# "passive" are not.
_WEAK_WORDS = ("pass", "auth", "sig", "pw", "psk")
_WEAK_LABEL = "|".join(_WEAK_WORDS)
_LABEL_ANCHOR = re.compile(keyword_pattern((*_STRONG_WORDS, *_WEAK_WORDS)))
# Keys that name a secret but hold something else: its name, a reference, a count, a setting.
_NOT_A_VALUE = "".join(
    f"(?<!{re.escape(suffix)})"
    for suffix in (
        "name", "names", "ref", "file", "path", "dir", "_id", "-id", ".id", "count", "total", "size", "length",
        "len", "type", "ttl", "expiry", "expires", "expired", "timeout", "interval", "version", "provider",
        "store", "mode", "enabled", "required", "url", "uri", "endpoint", "tokens", "policy", "format",
        "source", "key_id", "limit", "secs", "seconds", "ms", "at", "duration", "refresh", "rotation", "hash",
        "expires_in", ".go", ".py", ".java", ".js", ".ts", ".rb", ".rs", ".kt", ".cs", ".c", ".h", ".cc", ".cpp",
    )
)  # fmt: skip
# The key is found from its label, not from its first character: a lazy `[\w.-]*?` prefix would be
# tried at every word of every line. What precedes the label in the key is checked afterwards.
_KEY = rf"(?:(?:{_STRONG_LABEL})[\w.-]*|(?<![A-Za-z0-9])(?:{_WEAK_LABEL})(?![\w.-])){_NOT_A_VALUE}"
# "%3D" is '=' URL-encoded: password%3Dhunter2 in an encoded query or form body.
_SEPARATOR = r"\s*(?:=>|:=|::|[:=]|%3[dD])\s*"

_LABEL_KEYWORDS = (
    "pass", "pwd", "secret", "token", "credential", "key", "auth", "sig", "pw", "psk",
)  # fmt: skip


def _r(
    rule_id: str,
    pattern: str,
    keywords: Iterable[str],
    *,
    group: int | str = 0,
    flags: int = 0,
    accept: Callable[[str], bool] | None = None,
    accept_match: Callable[[re.Match[str]], bool] | None = None,
    anchor: re.Pattern[str] | None = None,
    entropy: float = 0.0,
) -> Rule:
    regex = re.compile(pattern, flags)
    index = regex.groupindex[group] if isinstance(group, str) else group
    return Rule(
        id=f"hand:{rule_id}",
        regex=regex,
        keywords=tuple(keywords),
        group=index,
        entropy=entropy,
        accept=accept,
        accept_match=accept_match,
        anchor=anchor,
    )


_I = re.IGNORECASE
_AWS_KEY_ID_PREFIXES = ("a3t", "akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "anpa", "anva", "aipa")
_URL_KEYWORDS = ("://",)

LINE_RULES: tuple[Rule, ...] = (
    # key = value in the syntaxes applications log: env, properties, YAML, JSON, Ruby, Go, logfmt,
    # JSON inside a JSON string ({\"password\":\"...\"}), and a label, a space and a token
    # ("secret-key-base 9f0c...").
    _r(
        "assignment",
        rf"""{_KEY}(?:\\"{_SEPARATOR}\\"(?P<escaped>(?:[^"\\]|\\[^"])+)\\"|["']?{_SEPARATOR}"""
        rf"""(?:"(?P<dq>(?:[^"\\]|\\.)+)"|'(?P<sq>[^']+)'|(?P<bare>[^\s"'`,;&}}<>)\]\\]{{3,}}))"""
        rf"""|\s+(?P<token>[A-Za-z0-9+/=_.-]{{16,}}))""",
        _LABEL_KEYWORDS,
        flags=_I,
        accept=_labelled_value,
        accept_match=_assignment_key,
        anchor=_LABEL_ANCHOR,
    ),
    # --password value, --token=value.
    _r(
        "command-line flag",
        rf"""(?<![\w-])--[\w.-]*?(?:{_KEY})(?:=|\s+)["']?(?P<v>[^\s"']{{3,}})""",
        ("--",),
        group="v",
        flags=_I,
        accept=_labelled_value,
    ),
    _r(
        "xml element",
        rf"""<(?P<tag>(?:[\w.-]*:)?(?:[\w.-]*?(?:{_STRONG_LABEL})[\w.-]*|(?:[\w.-]*[_.-])?(?:{_WEAK_LABEL})))"""
        r"""(?:\s[^>]*)?>(?P<v>[^<]+)</(?P=tag)>""",
        _LABEL_KEYWORDS,
        group="v",
        flags=_I,
        accept=_labelled_value,
    ),
    # The password options of common clients, which no label names: docker login -p, mysql -pSECRET
    # (with a space, mysql prompts and the next word is the database), sshpass -p, redis-cli -a.
    _r(
        "client password option",
        r"""\b(?:(?:docker|podman|buildah|skopeo|nerdctl|helm)\b[^\r\n]{0,256}?\blogin\b[^\r\n]{0,256}?\s-p\s+"""
        r"""|mysql(?:dump|admin|sh)?\b[^\r\n]{0,256}?\s-p(?=[^\s-])|sshpass\s+-p\s*"""
        r"""|redis-cli\b[^\r\n]{0,256}?\s-a\s+)["']?(?P<v>[^\s"']{3,})""",
        ("login", "mysql", "sshpass", "redis-cli"),
        group="v",
        accept=_labelled_value,
    ),
    # curl -u user:password, --user=user:password.
    _r(
        "user flag",
        r"""(?<![\w-])(?:-u|--user)(?:=|\s+)["']?[^\s:"']{1,256}:(?P<v>[^\s"']{3,256})""",
        ("-u",),
        group="v",
        accept=_labelled_value,
    ),
    # Authorization: <any scheme> <credentials>; Proxy-Authorization too.
    _r(
        "authorization header",
        r"""\bauthorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token|digest|apikey|api-key|splunk|ssws|"""
        r"""negotiate|ntlm|hoba|mutual|vapid|jwt|key|sharedaccesssignature|aws4-hmac-sha256|[\w-]+(?=\s))\s+)?"""
        r"""(?P<v>[^\s"',]{6,}(?:,\s*\w+=[^\s"',]+)*)""",
        ("authorization",),
        group="v",
        flags=_I,
        accept=_labelled_value,
    ),
    _r(
        "auth scheme",
        r"\b(?:bearer|basic|token|apikey|splunk|ssws)\s+(?P<v>[A-Za-z0-9._~+/=-]{8,})",
        ("bearer", "basic", "token", "apikey", "splunk", "ssws"),
        group="v",
        flags=_I,
        accept=_random_looking,
    ),
    _r(
        "cookie",
        r"""\b(?:set-)?cookie["']?\s*[:=]\s*["']?[^=;\s]+=(?P<v>[^;\s"']+)"""
        r"""|;\s*(?!(?:path|domain|expires|max-age|samesite|secure|httponly|priority|partitioned)\b)[^=;\s]+=(?P<w>[^;\s"']+)""",
        ("cookie",),
        flags=_I,
    ),
    # scheme://user:password@host: the password may hold '@' and '/', so it runs to the last '@'
    # that a host follows; "host:8080/path@x" is a port and a path, not a password. The regex starts
    # at "://", a literal `re` finds fast, rather than at the scheme, which it would try at every word.
    _r(
        "url credentials",
        r"""://[^\s:/@?#]{0,256}:(?P<v>(?!\d{1,5}(?:[/?#]|$))[^\s]{0,256}?)@(?=[\w.-]+(?::\d+)?(?:[/?#\s"',;)\]}>]|$))""",
        _URL_KEYWORDS,
        group="v",
        accept=_labelled_value,
    ),
    # https://<token>@github.com: a user part that is a token.
    _r(
        "url token",
        r"""://(?P<v>[A-Za-z0-9_-]{20,})@""",
        _URL_KEYWORDS,
        group="v",
        accept=_random_looking,
    ),
    _r(
        "aws access key id",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b",
        _AWS_KEY_ID_PREFIXES,
    ),
    # The secret access key written next to its key id without a label: "AKIA... / wJalr...".
    _r(
        "aws secret beside its key id",
        r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])",
        _AWS_KEY_ID_PREFIXES,
        accept=_aws_secret_key,
    ),
    _r(
        "azure connection string",
        r"\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|sig)=(?P<v>[^;&\s\"']{8,})",
        ("accountkey", "sharedaccess", "sig="),
        group="v",
        flags=_I,
    ),
    # Distinctive prefixes the maintained set finds only next to a label.
    _r("new relic key", r"\bNRAK-[A-Z0-9]{27}\b", ("nrak-",)),
    _r("mailchimp key", r"\b[0-9a-f]{32}-us\d{1,2}\b", ("-us",)),
    _r("discord webhook", r"\bdiscord(?:app)?\.com/api/webhooks/\d+/(?P<v>[\w-]{60,})", ("discord",), group="v"),
    # HTTP Digest: the response is a hash of the password.
    _r(
        "digest response",
        r'\b(?:response|cnonce)=\\?"?(?P<v>[0-9a-fA-F]{16,})',
        ("response=", "cnonce="),
        group="v",
        flags=_I,
    ),
    _r("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}", ("eyj",)),
    _r("vault token", r"\b(?:hvs|hvb|hvr)\.[A-Za-z0-9_-]{20,}", ("hvs.", "hvb.", "hvr.")),
    _r("google api key", r"\bAIza[0-9A-Za-z_-]{35}\b", ("aiza",)),
    _r(
        "github token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _r("slack token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}", ("xox",)),
    _r("stripe key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b", ("k_live_", "k_test_")),
    _r("openai key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}\b", ("sk-",)),
    _r("age secret key", r"\bAGE-SECRET-KEY-1[0-9A-Z]{50,}", ("age-secret-key-1",)),
)

# A private key block, whole (RSA, EC, OpenSSH, PKCS#8, PGP), up to its END line (64 KB at most,
# and never past another BEGIN, which keeps the search short where markers are many).
# Without one (the text ends inside the key, or a message merely names the marker) the block
# runs over the lines that look like key material (base64, armor headers, blank lines) and stops
# at the first that does not, so a stray marker does not hide the rest of a tail.
PRIVATE_KEY_BLOCK = _r(
    "private key block",
    r"-----BEGIN[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:(?:(?!-----BEGIN).){0,65536}?-----END[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----"
    r"|[^\r\n]*(?:\r?\n(?:[A-Za-z0-9+/=]+|[\w-]+: [^\r\n]*|)(?=\r?\n|\Z))*)",
    ("-----begin",),
    flags=re.DOTALL,
)
# A tail window that starts inside a key: the body lines above its END line, short last line too.
PRIVATE_KEY_TAIL = _r(
    "private key tail",
    r"(?m)^(?:[ \t]*[A-Za-z0-9+/=]+[ \t]*\r?\n)*[ \t]*[A-Za-z0-9+/=]+[ \t]*(?=\r?\n-----END[ A-Z0-9_-]*PRIVATE KEY)",
    ("-----end",),
)
# A key's body line on its own: a window that neither starts nor ends with the key's markers.
KEY_BODY_LINE = _r("private key body line", r"(?m)^[A-Za-z0-9+/]{60,}={0,2}(?=\r?$)", ())
# The same line after a prefix (the first line of a multi-line log message, a command line):
# then only a run as random as key material counts, not a hex digest or a long identifier.
KEY_BODY_AT_LINE_END = _r(
    "private key body at line end",
    r"(?m)(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{60,}={0,2}(?=\r?$)",
    (),
    accept=lambda run: shannon_entropy(run.rstrip("=")) >= 4.5,
)
LONG_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{60}")

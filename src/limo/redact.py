"""Secrets never reach a file limo writes: redaction for argv, environment, configs and results.

limo takes API keys only from environment variables (`api_key_env` names one), so a key should never
be in a config. These functions are the safety net for everything limo records about a run
(provenance.json, RUN/config.json, results.json): a value after a secret-looking flag, a value under a
secret-looking key, a URL's password, a string that looks like a known token format, and the value of
any secret-named environment variable found anywhere are all replaced by `REDACTED`.
"""

from __future__ import annotations

import os
import re
from typing import Any

REDACTED = "<redacted>"

# A flag or key that holds a secret: `--api-key`, `hf_token`, `password`, ... but not `--api-key-env`
# (a variable's *name*), `--max-tokens` (a count) or `stop_token` (a vocabulary entry).
_SECRET_NAME = re.compile(r"^(?:token|key|auth|secret|password|passwd|credentials?)$|"
                          r"(?:^|[-_])(?:api[-_]?key|apikey|access[-_]?key|secret|password|passwd|credentials?|"
                          r"(?:hf|api|auth|access|bearer|gh|github|openai)[-_]?token)$", re.IGNORECASE)
# Token formats of common providers (OpenAI/DeepSeek `sk-`, Hugging Face, GitHub, Slack, AWS), bearer headers.
_TOKEN = re.compile(r"\b(?:sk-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|"
                    r"xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b|(?<=Bearer )[^\s\"']+")
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]+):([^/\s@]+)@")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Environment variables holding secrets: `*_API_KEY`, `*_KEY`, `*_TOKEN`, ... (upper-case convention).
_SECRET_ENV = re.compile(r"(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|AUTH)$", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """True for flag/key/variable names whose value is a secret (`--api-key`, `HF_TOKEN`)."""
    return bool(_SECRET_NAME.search(name.lstrip("-")))


def looks_like_token(value: str) -> bool:
    """True when `value` has a known API-token format (`sk-...`, `hf_...`, ...)."""
    return bool(_TOKEN.search(value))


def is_env_name(value: str) -> bool:
    """A plausible environment-variable name, and not a pasted token (`hf_...` is a valid name too)."""
    return bool(_ENV_NAME.match(value)) and not looks_like_token(value)


def is_secret_env(name: str) -> bool:
    return bool(_SECRET_ENV.search(name)) or is_secret_name(name)


def _secret_values(names: set[str] = frozenset()) -> list[str]:
    """Values of secret environment variables (and of `names`), longest first (no prefix left behind)."""
    values = {v for k, v in os.environ.items() if (k in names or is_secret_env(k)) and len(v) >= 6 and v != "EMPTY"}
    return sorted(values, key=len, reverse=True)


def key_vars(obj: Any) -> set[str]:
    """Every variable an `api_key_env` in `obj` names: whatever it is called, its value is a key."""
    if isinstance(obj, dict):
        own = {obj["api_key_env"]} if isinstance(obj.get("api_key_env"), str) else set()
        return own.union(*(key_vars(v) for v in obj.values()))
    if isinstance(obj, (list, tuple)):
        return set().union(*(key_vars(v) for v in obj))
    return set()


def redact_text(text: str, names: set[str] = frozenset()) -> str:
    for value in _secret_values(names):
        text = text.replace(value, REDACTED)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
    return _TOKEN.sub(REDACTED, text)


def redact_argv(argv: list[str], names: set[str] = frozenset()) -> list[str]:
    """A command line with the value of every secret flag (`--api-key X`, `--token=X`) redacted."""
    out: list[str] = []
    hide_next = False
    for arg in map(str, argv):
        if hide_next:
            out.append(REDACTED)
            hide_next = False
        elif arg.startswith("-") and "=" in arg and is_secret_name(arg.split("=", 1)[0]):
            out.append(arg.split("=", 1)[0] + "=" + REDACTED)
        elif arg.startswith("-") and is_secret_name(arg):
            out.append(arg)
            hide_next = True
        else:
            out.append(redact_text(arg, names))
    return out


def redact(obj: Any, names: set[str] | None = None) -> Any:
    """A copy of a JSON-like value with every secret redacted (keys by name, strings by content)."""
    names = key_vars(obj) if names is None else names
    if isinstance(obj, dict):
        return {k: (REDACTED if is_secret_name(str(k)) and obj[k] not in (None, "") else redact(v, names))
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact(v, names) for v in obj]
    if isinstance(obj, str):
        return redact_text(obj, names)
    return obj


# Environment variables that change results or how a run ran (recorded, secrets redacted).
ENV_PREFIXES = ("VLLM_", "CUDA_", "HF_", "OMP_", "TOKENIZERS_", "PYTORCH_", "NCCL_", "OPENAI_", "LIMO_",
                "ACCELERATE_", "WORLD_SIZE", "RANK", "LOCAL_RANK")


def recorded_env(names: set[str] = frozenset()) -> dict[str, str]:
    """The run-relevant environment; secret variables (and `names`) redacted."""
    return {k: (REDACTED if k in names or is_secret_env(k) else redact_text(v, names))
            for k, v in sorted(os.environ.items()) if k.startswith(ENV_PREFIXES)}

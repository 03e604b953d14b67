"""Errors limo raises for bad input. The CLI prints them as one clean line (no traceback)."""


class LimoError(Exception):
    """Base class: a problem the user can fix (bad file, bad config, unknown name)."""


class RecordError(LimoError):
    """A JSONL line or record that cannot be read; the message names file:line."""


class ConfigError(LimoError):
    """A recipe/config problem; the message lists every problem found, not just the first."""


def unknown_name(kind: str, name: str, known: "list[str] | tuple[str, ...]") -> LimoError:
    """The one error for every registry lookup miss, listing what is known."""
    return LimoError(f"unknown {kind} {name!r}; known: {', '.join(sorted(known))}")

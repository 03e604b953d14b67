"""limo: LIMO (Less Is More for Reasoning) end to end.

Stages (each a `limo <stage>` command over a library module):
curate -> train -> generate -> grade/eval. Stages talk only through the typed records in
`limo.records`, stored as JSONL.
"""

__version__ = "0.1.0"

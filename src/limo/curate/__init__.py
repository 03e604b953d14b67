"""`limo curate`: the LIMO data pipeline, from a pool of problems to ~800 (problem, chain) pairs.

Stages (each a module with a pure function over `limo.records.Problem`s, and a `limo curate` subcommand):
ingest -> dedup -> decontaminate -> difficulty -> chains -> score -> select. `limo curate run RECIPE.yaml`
chains them (pipeline.py), skips stages whose inputs and config are unchanged, and writes DATACARD.md.
"""

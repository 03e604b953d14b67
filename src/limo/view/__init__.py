"""`limo view`: a local web page over eval, generate and curate runs (Overview, Samples, Compare, Curate).

The server (Starlette + uvicorn, the `view` extra) is imported only by `limo view` itself; the readers
in `limo.view.runs`, `limo.view.samples` and `limo.view.query` need only limo.
"""

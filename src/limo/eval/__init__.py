"""Evaluation: LIMO's benchmarks with the paper's protocol, resumable per sample, with audited metrics.

    limo eval --model M --benchmarks aime24,math500 --preset limo --output-dir RUN
    limo eval --rescore RUN          # re-grade offline, no model

See limo.eval.benchmarks (registry), limo.eval.metrics (avg@n, pass@k, maj@k), limo.eval.runner.
"""

"""Elicitation of model label distributions from OpenAI-compatible LLM servers.

`spec` parses a `[[run]]` section, `prompts` renders our versioned prompt templates,
`engine` asks the servers (async, bounded concurrency, retries, durable cache in `cache`),
`parse` turns raw answers into label shares, `collect` turns cached answers into `RunData`;
`persona` describes the annotators a run with `predict = "annotators"` asks about.
`python -m precompute elicit --config study.toml` fills the cache; `build` reads it through
the `elicited` run source (precompute/sources/elicited.py).
"""

"""Synthetic speech training data for wavllm-mini: broad English text voiced with flite.

`text_pool` gathers the sentences (Debian fortunes plus the project's own grammar), `voices`
speaks them with perturbed flite voices and noise, `tasks` turns them into examples of the
published tasks, `dataset` plans, renders and writes them as TSV manifests, and `commands` adds
`python -m wavllm_core data make|stats`.
"""

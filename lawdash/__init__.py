"""lawdash: a township's rule-of-law work (法治政府建设) against its annual targets.

The engine: catalogue, ingest, store, progress, CLI. It never imports streamlit.
"""

__version__ = "0.1.0"

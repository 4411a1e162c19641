"""Tools for development: generators of sample reports and corpora for the demo, tests and benchmarks.

Not part of the product: ingest, assistant and ui never import it. reportlab is its dependency.
"""

"""The xxgk service layer: configuration, backend factory and the command line.

Nothing is loaded at import: call assistant.config.load_config() explicitly.
"""

"""One statutory rule per module; each docstring carries the arithmetic and a worked example.

See shared/domain.md for the rules and their sources.
"""

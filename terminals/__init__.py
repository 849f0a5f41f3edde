"""The terminals people touch: deputy tablet, chair console, hall screen, staff and audit pages,
and a Python terminal client (``python -m terminals.client``)."""

from pathlib import Path

#: The pages' Jinja2 templates and static files (JavaScript, CSS), served by the server.
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

"""The terminals people touch: deputy tablet, chair console, hall screen, staff and audit pages,
and a Python terminal client (``python -m terminals.client``)."""

"""The HTTP API's models: every request body and every JSON answer, by area as in server/routes/,
the one error shape (errors.py) and what the API says about tally documents (tally.py).

Requests refuse unknown fields; words from server/domain.py are enums (their wire values); a field
that may be left out is never ``null`` unless its description says what ``null`` means. The whole
contract is ``/openapi.json`` (server/openapi.py), with docs/protocol.md for the WebSocket.
"""

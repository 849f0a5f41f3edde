"""The server's one error hierarchy: a stable code for programs and a Chinese message for people."""

from __future__ import annotations


class ServerError(Exception):
    """An expected refusal: bad input, wrong role, wrong state. Nothing was changed."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as it is, whatever its class's ``__init__`` takes (a refusal sent back from a
        writer in another process, server/writer.py ``crossed``)."""
        return _restore, (type(self), self.args, dict(self.__dict__))

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field is not None:
            data["field"] = self.field
        return data


class NotFound(ServerError):
    status = 404


class Forbidden(ServerError):
    status = 403


class Unauthorized(ServerError):
    status = 401


class Conflict(ServerError):
    status = 409


def not_found(what: str) -> NotFound:
    return NotFound("not_found", f"{what}不存在")


def forbidden(message: str = "您的身份无权进行此操作") -> Forbidden:
    return Forbidden("forbidden", message)


def _restore(cls: type[ServerError], args: tuple[object, ...], state: dict[str, object]) -> ServerError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error

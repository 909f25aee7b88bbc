"""The one exception type that reaches the user."""


class PtgenError(Exception):
    """A user-facing error: ``message`` is one human line, ``exit_code`` the process status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

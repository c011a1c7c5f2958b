"""The app's exceptions. Messages are meant to be shown to users as they are."""


class AssistantError(Exception):
    """Base class of every error the assistant reports to its users."""


class CorpusError(AssistantError):
    """The report could not be read or parsed."""


class InputError(AssistantError):
    """A question (or other user input) is not acceptable; the message says why."""


class IndexError_(AssistantError):
    """The search index is missing, corrupt or unreachable; the message says how to fix it."""


class IndexBuilding(IndexError_):
    """A question came while the index is being built; the message says how far the build is."""

    def __init__(self, message: str, percent: int) -> None:
        super().__init__(message)
        self.percent = percent


class ConfigError(AssistantError):
    """A setting is invalid or an optional dependency is missing."""


class UnknownConversation(InputError):
    """A conversation id that was never issued or has expired."""

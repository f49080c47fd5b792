"""The project's exceptions: each message says what went wrong, where, and what to do."""


class AssistantError(Exception):
    """Base of every error a surface turns into a clear message instead of a traceback."""


class ParseError(AssistantError):
    """A file could not be read as an LGSCO decision."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: not a readable LGSCO decision: {reason}")
        self.source = source
        self.reason = reason


class IndexStateError(AssistantError):
    """The index is missing, from another model or parser, or damaged."""


class IndexMissingError(IndexStateError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"No index at {index_dir}. Build one first: "
            f"assistant ingest corpus/ --index {index_dir}"
        )


class IndexBusyError(IndexStateError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"Another ingest is writing to {index_dir}. Wait for it to finish, then run again."
        )


class VectorsMissingError(IndexStateError):
    """The store is there but Chroma is not: searching would use keywords only."""

    def __init__(self, index_dir: str, where: str, reason: str) -> None:
        super().__init__(
            f"The vectors of the index at {index_dir} cannot be used ({where}: {reason}), so "
            "answers would come from keywords only. Rebuild them from the store (nothing "
            f"stored is lost): assistant ingest <your decisions folder> --index {index_dir}"
        )


class SettingsError(AssistantError):
    """A configured value (environment, `lgsco.toml`) the assistant cannot use."""


class InputError(AssistantError):
    """A question, filter or upload the assistant cannot accept."""


class LLMError(AssistantError):
    """The language model could not be reached or failed to answer."""


class ModelUnavailableError(LLMError):
    """The embedded model's weights are not on this machine and could not be fetched."""

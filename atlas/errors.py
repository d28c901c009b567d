"""Named failures. Each is reported by the CLI as one line; the cause is kept for --debug."""


class AtlasError(Exception):
    """Base of every failure the CLI reports without a traceback."""

    exit_code = 1


class SpecError(AtlasError, ValueError):
    """One or more problems with a spec; `lines` holds one message per problem."""

    exit_code = 2

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


class DataError(AtlasError, ValueError):
    """Input data that cannot be read: the message names the file and, where known, the line."""

    exit_code = 2


class FormatError(AtlasError, ValueError):
    """A file of a site that does not decode, or has a kind or version this code does not know."""

    exit_code = 1

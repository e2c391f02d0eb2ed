"""The one exception every embedded-service failure is reported with.

Its own module so ports, locks and both services can raise it without
importing each other.
"""


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be found, started or reached."""

"""Named errors of the core, each with a machine-readable ``reason`` and a "what to do" docstring.

Messages never carry values read from patient files: they name the problem, not the data.
"""

from __future__ import annotations


class AiminerError(Exception):
    """Base of every error the core raises on purpose."""

    reason: str = "error"

    def __init__(self, reason: str | None = None, detail: str | None = None) -> None:
        if reason is not None:
            self.reason = reason
        self.detail = detail or ""
        super().__init__(f"{self.reason}: {self.detail}" if self.detail else self.reason)


class QuarantineError(AiminerError):
    """The object cannot be de-identified safely; quarantine it with :attr:`reason`. The run goes on."""

    reason = "quarantined"


class RejectedError(AiminerError):
    """The object is deliberately not processed (out of scope, e.g. a DICOMDIR or an OS metadata file)."""

    reason = "rejected"


class PolicyError(AiminerError):
    """A de-identification policy or rule table is invalid. Fix the file named in the message."""

    reason = "invalid_policy"


class StreamError(OSError):
    """Reading or writing an object's bytes failed (network, storage): I/O to retry, never a property of the data.

    Stream adapters (e.g. the S3 ranged reader) raise it. The DICOM engine re-raises it instead of quarantining:
    pydicom itself raises plain ``OSError`` for truncated input, which *is* a property of the data.
    """

"""gunicorn's access log for Pingjia: every value redacted at the source, computed on demand.

``gunicorn.conf.py`` sets ``logger_class = "survey_app.serving.AccessLogger"``.

gunicorn's own logger builds, for every request, a dictionary of every request header,
response header and WSGI environ variable (about 60 values), copies it into its
``SafeAtoms``, and the redaction filter (``survey_app.security.RedactCodesFilter``) then
copied it once more. The format reads nine of them. This logger hands the format a mapping
that computes only the atoms the format asks for, redacts each (no access code), and
escapes quotes as ``SafeAtoms`` does; any gunicorn ``access_log_format`` still works,
including ``{header}i``, ``{header}o`` and ``{variable}e`` atoms.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

from gunicorn import glogging

from survey_app.security import redact

#: The environ variables gunicorn's standard atoms read (h, u, r, m, U, q, H, f, a).
_STANDARD_ENVIRON = ("REMOTE_ADDR", "HTTP_AUTHORIZATION", "REQUEST_METHOD", "RAW_URI",
                     "SERVER_PROTOCOL", "PATH_INFO", "QUERY_STRING", "HTTP_REFERER",
                     "HTTP_USER_AGENT")


class RedactedAtoms(Mapping):
    """The access log's atoms for one request; see the module docstring."""

    #: ``RedactCodesFilter`` leaves these arguments alone: they are redacted already.
    redacted = True

    def __init__(self, logger: glogging.Logger, resp, req, environ: dict, request_time):
        self._logger, self._resp, self._req = logger, resp, req
        self._environ, self._time = environ, request_time
        self._standard: dict[str, Any] | None = None

    def standard(self) -> dict[str, Any]:
        """gunicorn's own standard atoms (its code), without the header and environ ones."""
        if self._standard is None:
            resp = SimpleNamespace(status=self._resp.status,
                                   sent=getattr(self._resp, "sent", None), headers=())
            environ = {k: self._environ[k] for k in _STANDARD_ENVIRON if k in self._environ}
            self._standard = glogging.Logger.atoms(self._logger, resp, (), environ, self._time)
        return self._standard

    def _braced(self, key: str) -> Any:
        name, kind = key[1:-2], key[-1]
        if kind == "i":
            headers = getattr(self._req, "headers", self._req)
            pairs = headers.items() if hasattr(headers, "items") else headers
        elif kind == "o":
            pairs = self._resp.headers
            pairs = pairs.items() if hasattr(pairs, "items") else pairs
        elif kind == "e":
            pairs = self._environ.items()
        else:
            return None
        for k, v in pairs:
            if k.lower() == name:
                return v
        return None

    def __getitem__(self, key: str) -> Any:
        if key.startswith("{"):
            key = key.lower()
            value = self._braced(key) if key.endswith(("}i", "}o", "}e")) else None
        else:
            value = self.standard().get(key)
        if value is None:
            return "-"
        if isinstance(value, str):
            return redact(value).replace('"', '\\"')
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.standard())

    def __len__(self) -> int:
        return len(self.standard())


class AccessLogger(glogging.Logger):
    """gunicorn's logger with :class:`RedactedAtoms` as the access log's arguments."""

    def atoms(self, resp, req, environ, request_time) -> RedactedAtoms:
        return RedactedAtoms(self, resp, req, environ, request_time)

    @staticmethod
    def atoms_wrapper_class(atoms: RedactedAtoms) -> RedactedAtoms:
        return atoms  # already safe: it escapes quotes and answers "-" for missing atoms

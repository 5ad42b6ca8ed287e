"""The HTTP service (FastAPI): :func:`create_app` builds it from a :class:`Settings`."""

from mcem_kg.service.app import create_app

__all__ = ["create_app"]

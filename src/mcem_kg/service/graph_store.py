"""(to be written)"""

from __future__ import annotations

from fastapi import APIRouter

from mcem_kg.service.state import Service


def router(service: Service) -> APIRouter:
    del service
    return APIRouter()

"""Shared OpenAPI declarations."""

from __future__ import annotations

from typing import Any

from registry.errors import PROBLEM_JSON, Problem


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        404: "No record with that id or slug.",
        422: "A parameter is invalid or unknown.",
        500: "Server error.",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions.get(status, "Error"),
            "content": {PROBLEM_JSON: {}},
        }
        for status in statuses
    }


LIST_ERRORS = problems(422)
DETAIL_ERRORS = problems(404, 422)

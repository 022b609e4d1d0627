"""CORS with refusals as problem+json: Starlette answers a refused preflight `400
text/plain`, which tells a frontend developer neither that it is a policy nor what to change."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from registry.errors import InvalidParam, problem_response


class ProblemCORSMiddleware(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code != 400:
            return answer
        refused = bytes(answer.body).decode().removeprefix("Disallowed CORS ").split(", ")
        asked = {
            "origin": request_headers.get("origin", ""),
            "method": request_headers.get("access-control-request-method", ""),
            "headers": request_headers.get("access-control-request-headers", ""),
        }
        reasons = {
            "origin": (
                "Origin",
                f"{asked['origin']!r} is not an allowed origin; an operator adds it to "
                "REGISTRY_CORS_ORIGINS",
            ),
            "method": (
                "Access-Control-Request-Method",
                f"{asked['method']!r} is not allowed; allowed: "
                + ", ".join(sorted(self.allow_methods)),
            ),
            "headers": (
                "Access-Control-Request-Headers",
                f"{asked['headers']!r} names a header that is not allowed; allowed: "
                + ", ".join(sorted(self.allow_headers)),
            ),
            "private-network": ("Access-Control-Request-Private-Network", "not allowed"),
        }
        params = [InvalidParam(name=reasons[p][0], reason=reasons[p][1]) for p in refused]
        headers = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "content-type")
        }
        return problem_response(
            403,
            "A browser may not make this cross-origin request: "
            + "; ".join(p.reason for p in params),
            title="Forbidden",
            invalid_params=params,
            headers=headers,
        )

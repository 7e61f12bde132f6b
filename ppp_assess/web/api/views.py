"""API routes. Feature modules add theirs to the same blueprint."""
from ppp_assess.web.api import (
    assessments,  # noqa: F401
    benchmarks,  # noqa: F401
    board,  # noqa: F401
    certificates,  # noqa: F401
    evidence,  # noqa: F401
    openapi,  # noqa: F401
    projects,  # noqa: F401
    questionnaires,  # noqa: F401
    reviews,  # noqa: F401
    upgrades,  # noqa: F401
)

"""SQLAlchemy models; importing this package registers every table for Alembic."""

from ppp_assess.models.assessment import (
    Answer,
    Assessment,
    AuditEvent,
    Certificate,
    EvidenceDocument,
    PeerKey,
    PeerScore,
    QuestionnaireVersion,
    QuestionScore,
    ReviewAssignment,
    ReviewComment,
    ReviewDecision,
    ReviewerInterest,
    ReviewSettings,
    SectionScore,
    Submission,
)
from ppp_assess.models.base import Base
from ppp_assess.models.database import Database, ReadOnlyError, UnitOfWork
from ppp_assess.models.jobs import ExportJob
from ppp_assess.models.organisation import (
    ApiToken,
    Membership,
    Organisation,
    PlatformRoleGrant,
    User,
)
from ppp_assess.models.outbox import OutboxMessage
from ppp_assess.models.project import Project
from ppp_assess.models.totals import DashboardQuestionTotal, DashboardTotal

__all__ = [
    "Answer",
    "ApiToken",
    "Assessment",
    "AuditEvent",
    "Base",
    "Certificate",
    "DashboardQuestionTotal",
    "DashboardTotal",
    "Database",
    "EvidenceDocument",
    "ExportJob",
    "Membership",
    "Organisation",
    "OutboxMessage",
    "PeerKey",
    "PeerScore",
    "PlatformRoleGrant",
    "Project",
    "QuestionScore",
    "QuestionnaireVersion",
    "ReadOnlyError",
    "ReviewAssignment",
    "ReviewComment",
    "ReviewDecision",
    "ReviewSettings",
    "ReviewerInterest",
    "SectionScore",
    "Submission",
    "UnitOfWork",
    "User",
]

"""The project and the records of its steps. The process itself — states, steps, rules — is
``projects.process``; this package holds what is stored."""

from ..process import DocumentKind, Stage, Status
from .documents import Document, document_path
from .payment import Invoice, Settlement, Signature
from .project import DECLARATION_FIELDS, BudgetLine, ContractorKind, Project, ProjectQuerySet
from .records import ChangeRequest, Inspection, JointMeeting, PlanVersion, ProgressNote, Review

__all__ = [
    "DECLARATION_FIELDS",
    "BudgetLine",
    "ChangeRequest",
    "ContractorKind",
    "Document",
    "DocumentKind",
    "Inspection",
    "Invoice",
    "JointMeeting",
    "PlanVersion",
    "ProgressNote",
    "Project",
    "ProjectQuerySet",
    "Review",
    "Settlement",
    "Signature",
    "Stage",
    "Status",
    "document_path",
]

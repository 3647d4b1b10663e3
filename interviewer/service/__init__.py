"""The use cases both fronts call: interviews, grading without an interview, and the operator's views."""

from interviewer.service.answers import clean_answer
from interviewer.service.assessments import MAX_BATCH_ROWS, Assessor, BatchGrades, GradedAnswer
from interviewer.service.container import Services, build_services
from interviewer.service.errors import (
    Conflict,
    IdempotencyMismatch,
    InvalidRequest,
    NotFound,
    ServiceError,
    TooLarge,
    Unauthorized,
)
from interviewer.service.mock_interviews import Answered, InterviewService, Started, Transcript
from interviewer.service.operator import SessionAdmin

__all__ = [
    "MAX_BATCH_ROWS",
    "Answered",
    "Assessor",
    "BatchGrades",
    "Conflict",
    "GradedAnswer",
    "IdempotencyMismatch",
    "InterviewService",
    "InvalidRequest",
    "NotFound",
    "ServiceError",
    "Services",
    "SessionAdmin",
    "Started",
    "TooLarge",
    "Transcript",
    "Unauthorized",
    "build_services",
    "clean_answer",
]

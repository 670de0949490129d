from community.library.models.adoption import Adoption
from community.library.models.documents import LibraryDocument, PrivateCollection
from community.library.models.pages import (
    InterviewPage,
    LibraryIndexPage,
    LibraryItem,
    PracticeContact,
    PracticeDocument,
    PracticeIndicator,
    PracticeObstacle,
    PracticeSheetPage,
    PracticeStakeholder,
    PracticeStep,
    PracticeVideo,
    ToolboxDocument,
    ToolboxItemPage,
    VideoCapsulePage,
)
from community.library.models.workflows import AnimatorReviewTask, ExpertReviewTask

__all__ = [
    "Adoption",
    "AnimatorReviewTask",
    "ExpertReviewTask",
    "InterviewPage",
    "LibraryDocument",
    "LibraryIndexPage",
    "LibraryItem",
    "PracticeContact",
    "PracticeDocument",
    "PracticeIndicator",
    "PracticeObstacle",
    "PracticeSheetPage",
    "PracticeStakeholder",
    "PracticeStep",
    "PracticeVideo",
    "PrivateCollection",
    "ToolboxDocument",
    "ToolboxItemPage",
    "VideoCapsulePage",
]

"""Questionnaire definitions for Pingjia (评家): schema, loader, library, XLSForm interop.

Pure package: no Flask, no SQLAlchemy, nothing from ``survey_app`` or ``analysis``.
"""

from .answers import MESSAGES, validate_answers
from .expressions import Expression, ExpressionError, parse
from .loader import (
    QuestionnaireError,
    ValidationError,
    build_questionnaire,
    library,
    library_dir,
    library_scales,
    load_questionnaire,
    load_questionnaire_text,
    validate_paths,
)
from .model import (
    NA_CODE,
    QUESTION_TYPES,
    ChecklistItem,
    Choice,
    FormField,
    MatrixItem,
    Question,
    Questionnaire,
    Scale,
    ScalePoint,
    ScoredItem,
    Section,
    Text,
)
from .xlsform import export_xlsform, import_xlsform
from .yamlio import dump_yaml

__all__ = [
    "MESSAGES", "NA_CODE", "QUESTION_TYPES", "ChecklistItem", "Choice", "Expression",
    "ExpressionError", "FormField", "MatrixItem", "Question", "Questionnaire",
    "QuestionnaireError", "Scale", "ScalePoint", "ScoredItem", "Section", "Text",
    "ValidationError", "build_questionnaire", "dump_yaml", "export_xlsform", "import_xlsform",
    "library", "library_dir",
    "library_scales", "load_questionnaire", "load_questionnaire_text", "parse",
    "validate_answers", "validate_paths",
]

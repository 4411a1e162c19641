"""xxgk's assistant: questions in, answers with citations out.

    import assistant
    answer = assistant.from_config().ask("淮安市2024年行政处罚多少件？")
"""

from .answer import Answer, Evidence, FindingNote
from .factory import from_config, make_assistant
from .library import AgencySummary, ReportLibrary, ReportSummary
from .service import Assistant

__all__ = ["AgencySummary", "Answer", "Assistant", "Evidence", "FindingNote", "ReportLibrary", "ReportSummary",
           "from_config", "make_assistant"]

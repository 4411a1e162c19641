"""xxgk's assistant: questions in, answers with citations out.

    from assistant import Assistant
    answer = Assistant.from_config().ask("淮安市2024年行政处罚多少件？")
"""

from .answer import Answer, Evidence, FindingNote
from .service import Assistant

__all__ = ["Answer", "Assistant", "Evidence", "FindingNote"]

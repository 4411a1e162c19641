"""Understanding a question: a typed Query built by small parsers over spans.

    query = parse_question("淮安市2024年行政处罚多少件？", catalog)
    query.agencies, query.years, query.metrics, query.operation, query.residual
"""

from .catalog import Catalog, CatalogEntry
from .cells import Metric, asks_money
from .cues import Threshold
from .query import Query, parse_question

__all__ = ["Catalog", "CatalogEntry", "Metric", "Query", "Threshold", "asks_money",
           "parse_question"]

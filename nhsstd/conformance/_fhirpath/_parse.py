"""FHIRPath text to fhirpathpy's parse tree, refusing any syntax error.

fhirpathpy's own ``parse`` reads an ``expression`` without the trailing EOF of
the grammar's ``entireExpression`` rule and ignores syntax errors, so a
truncated or misspelt constraint would otherwise be evaluated as something
else.  The tree is built by fhirpathpy's listener from the same parse.

>>> parse("name.exists()")["children"][0]["type"]
'InvocationExpression'
"""

from __future__ import annotations

from typing import Any

from antlr4 import CommonTokenStream, InputStream  # type: ignore[import-untyped]
from antlr4.error.ErrorListener import ErrorListener  # type: ignore[import-untyped]
from antlr4.tree.Tree import ParseTreeWalker  # type: ignore[import-untyped]
from fhirpathpy.parser.ASTPathListener import ASTPathListener
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

__all__ = ["FhirPathSyntaxError", "parse"]


class FhirPathSyntaxError(ValueError):
    """The text is not FHIRPath."""


class _SyntaxErrors(ErrorListener):  # type: ignore[misc]
    """Raises on the first syntax error (fhirpathpy's parser recovers from them silently)."""

    def syntaxError(self, recognizer: Any, symbol: Any, line: int, column: int, msg: str, e: Any) -> None:  # noqa: N802
        raise FhirPathSyntaxError(f"FHIRPath syntax error at column {column}")


def parse(expression: str) -> Any:
    """The whole *expression* parsed with FHIRPath's grammar into fhirpathpy's tree form."""
    lexer = FHIRPathLexer(InputStream(expression))
    parser = FHIRPathParser(CommonTokenStream(lexer))
    for recognizer in (lexer, parser):
        recognizer.removeErrorListeners()
        recognizer.addErrorListener(_SyntaxErrors())
    tree = parser.entireExpression()  # type: ignore[no-untyped-call]
    listener = ASTPathListener()  # type: ignore[no-untyped-call]
    ParseTreeWalker().walk(listener, tree.expression())
    return listener.parentStack[0]

"""An import-linter contract type: these modules import the standard library only.

The code both runtimes import (``common``) and the page reading the Rasa
runtime shares with the action server (``knowledge.parser`` and the modules
it stands on) must run on Python 3.10 with Rasa's pins and on Python 3.11 with
the action server's, so it may import nothing from a third-party package.
import-linter's own contracts forbid named packages; this one allows a list,
the standard library (``sys.stdlib_module_names``) and the listed modules, and
reports every other import with its line. Configured in pyproject.toml
(``[tool.importlinter]``); ``make lint`` runs it.
"""

from __future__ import annotations

import sys
from typing import Any

from importlinter import Contract, ContractCheck, fields, output


class StandardLibraryOnlyContract(Contract):
    """Every module under ``modules`` imports only the standard library and other ``modules``."""

    type_name = "standard_library_only"
    modules = fields.ListField(subfield=fields.StringField())

    def _covered(self, graph: Any) -> set[str]:
        names: set[str] = set()
        for module in self.modules:  # type: ignore[attr-defined]
            names.add(str(module))
            names |= set(graph.find_descendants(str(module)))
        return names

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        """Find every import that leaves the standard library and the listed modules."""
        covered = self._covered(graph)
        problems: list[str] = []
        for importer in sorted(covered):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                top = imported.split(".")[0]
                if imported in covered or top in sys.stdlib_module_names:
                    continue
                for detail in graph.get_import_details(importer=importer, imported=imported) or [{}]:
                    line = detail.get("line_number", "?")
                    problems.append(f"{importer} (line {line}) imports {imported}")
        return ContractCheck(kept=not problems, metadata={"problems": problems})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """Print each offending import."""
        for problem in check.metadata["problems"]:
            output.print_error(f"- {problem}", bold=False)
        output.new_line()

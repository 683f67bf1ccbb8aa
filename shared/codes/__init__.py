"""Code sets as data: ICD-10-CM, CPT/HCPCS formats, modifiers, POS, CARC/RARC, claim status,
frequency codes, NPI, NUCC taxonomy and NCCI edits (see docs/code-sets.md).

The names below are loaded from their modules on first use, so a caller that needs one
small piece (the X12 validator: an NPI check digit, the CARC list) does not import the
ICD-10-CM and NCCI loaders (a tenth of a second of every `revcycle x12 validate`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.codes.errors import CodeFileError
    from shared.codes.icd10 import Icd10Catalog, Icd10Code
    from shared.codes.ncci import MueEdit, NcciTables, PtpEdit
    from shared.codes.npi import is_valid_npi, npi_check_digit
    from shared.codes.procedures import is_cpt, is_hcpcs_level2, procedure_code_kind
    from shared.codes.sets import (
        CodeSets,
        Modifier,
        SourceInfo,
        clear_code_sets_cache,
        load_code_sets,
    )
    from shared.codes.taxonomy import is_taxonomy_format

_HOMES = {
    "CodeFileError": "errors",
    "Icd10Catalog": "icd10",
    "Icd10Code": "icd10",
    "MueEdit": "ncci",
    "NcciTables": "ncci",
    "PtpEdit": "ncci",
    "is_valid_npi": "npi",
    "npi_check_digit": "npi",
    "is_cpt": "procedures",
    "is_hcpcs_level2": "procedures",
    "procedure_code_kind": "procedures",
    "CodeSets": "sets",
    "Modifier": "sets",
    "SourceInfo": "sets",
    "clear_code_sets_cache": "sets",
    "load_code_sets": "sets",
    "is_taxonomy_format": "taxonomy",
}

__all__ = [
    "CodeFileError",
    "CodeSets",
    "Icd10Catalog",
    "Icd10Code",
    "Modifier",
    "MueEdit",
    "NcciTables",
    "PtpEdit",
    "SourceInfo",
    "clear_code_sets_cache",
    "is_cpt",
    "is_hcpcs_level2",
    "is_taxonomy_format",
    "is_valid_npi",
    "load_code_sets",
    "npi_check_digit",
    "procedure_code_kind",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"shared.codes.{home}"), name)
    globals()[name] = value  # found once; later lookups are plain attribute reads
    return value

"""Code sets as data: ICD-10-CM, CPT/HCPCS formats, modifiers, POS, CARC/RARC, claim status,
frequency codes, NPI, NUCC taxonomy and NCCI edits (see docs/code-sets.md)."""

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

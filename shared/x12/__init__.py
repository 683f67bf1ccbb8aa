"""X12 005010 toolkit: tokenizer, envelopes, typed readers and writers, WEDI SNIP validation.

Reading entry points (tolerant; problems become `Issue`s with segment position, id, element):
- `shared.x12.reader.parse(source)` -> ParseResult with typed models per transaction set;
  `stream_transactions(source, issues, on_close=...)` reads one set and one loop at a time
  (a callback sees each loop as it closes and may drop it: flat memory for any file size);
- `shared.x12.envelope.read_document(source)` -> envelopes and raw segments only;
- `shared.x12.tokenizer.Tokenizer(source)` -> segments, delimiters read from the ISA;
- `shared.x12.validation.validate(source)` -> ValidationReport (WEDI SNIP 1-5, streamed);
- `shared.x12.json_stream.write_json / write_jsonl` -> the typed model as JSON, streamed;
- `shared.x12.pyx12_judge.judge(text)` -> pyx12's verdict (the independent judge in tests).
One package per transaction and guide (`x12_835_005010X221A1/` ...) holds `models.py`
(loops named as the guide names them) and `reader.py`, and the writers' `writer.py`; no
package imports another. What several share lives beside them: `common.py` (segments),
`claim837.py` (the 837 hierarchy), `claim_status.py` (276/277/277CA levels),
`eligibility.py` (270/271 levels), `guides/` (SNIP 2 tables, one per guide), `rules.py`
(SNIP 3-5 rules); docs/x12-validation.md describes the checks.
"""

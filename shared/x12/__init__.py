"""X12 005010 toolkit: tokenizer, envelopes, typed readers and writers, strict validation.

Reading entry points (tolerant; problems become `Issue`s with segment position, id, element):
- `shared.x12.reader.parse(source)` -> ParseResult with typed models per transaction set;
  `iter_parse(source)` streams them one at a time for large files;
- `shared.x12.envelope.read_document(source)` -> envelopes and raw segments only;
- `shared.x12.tokenizer.Tokenizer(source)` -> segments, delimiters read from the ISA;
- `shared.x12.validation.validate(source)` -> ValidationReport (strict verdict);
- `shared.x12.pyx12_judge.judge(text)` -> pyx12's verdict (the independent judge in tests).
One package per transaction and guide (`x12_835_005010X221A1/` ...) holds `models.py`
(loops named as the guide names them) and `reader.py`, and the writers' `writer.py`.
"""

"""Payer and clearinghouse simulator: answers our 837, 270 and 276 files as payers would.

It plays a clearinghouse (TA1, 999, 277CA) and a handful of payers (835, 271, 277) whose
behaviour a YAML profile describes, deterministically for a seed, and writes the ground
truth of what it decided (`truth.jsonl`) beside its answers. Used by `revcycle sim`, the
demo, tests and benchmarks; no service imports it (a test checks). See docs/simulator.md.

Entry points: `simulator.respond.respond` (a folder of files, answered at once),
`simulator.serve.FolderSimulator` (answers files as they appear, on a clock),
`simulator.engine.Simulator` (one batch in memory), `simulator.profile.load_profile`,
`simulator.truth.load_truth`.
"""

"""The profiles shipped with the simulator (`default.yaml`, `clean.yaml`); see docs/simulator.md."""

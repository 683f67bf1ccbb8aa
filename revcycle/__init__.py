"""revcycle: command-line composition root of the revenue cycle platform."""

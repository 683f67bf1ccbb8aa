"""Test-data helpers shared by every area's tests: realistic, fictional claims."""

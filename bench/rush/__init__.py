"""`make rush`: the quota rush, the crash rush and the scalper simulation (issue 7).

Run with `scripts/rush` (or `.venv/bin/python -m bench.rush --help`); see docs/rush.md. This
package imports nothing from Django at import time: `__main__` configures the environment
first, and the fake provider's process needs none of it.
"""

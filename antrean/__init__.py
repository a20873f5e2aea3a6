"""Antrean: queue numbers with an integrity pact for Indonesian public services."""

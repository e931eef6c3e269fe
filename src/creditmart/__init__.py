"""creditmart: consent-gated credit-reporting submission mart (dbt project + Python tools)."""

__version__ = "0.1.0"

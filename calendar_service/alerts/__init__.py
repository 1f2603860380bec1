"""Alerts stage: subscribers, which alerts are due, the ledger, mail and
delivery."""

"""Read models over everything: statistics, dashboards' charts, the ledger and its exports."""

"""Rectification orders: the order, its findings, reports, re-checks and extensions; services, flow steps, pages, API, the PDF."""

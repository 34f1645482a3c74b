"""Operations: health and readiness probes, Prometheus metrics, request ids and JSON logs.

What a bureau's IT department needs to run Dudao behind a load balancer: nothing here is a
page a user reaches. `ops.requestid` and `ops.heartbeat` depend on nothing of the domain (the
audit trail and the scheduler import them); `ops.metrics` reads the domain's tables.
"""

"""daphne, with Twisted's own parsing of POST form bodies turned off.

Twisted's `http.Request.requestReceived` parses every `multipart/form-data` and urlencoded POST body into
`request.args` before daphne sees the request (daphne never reads them: it hands the raw body to Django),
and answers a body it cannot parse (e.g. a multipart body with no parts) with a bare 400 that has no JSON
and no Content-Type, outside the application and its error format: schemathesis found it on every upload
endpoint. It also holds a second parsed copy of each upload in memory. `parsePOSTFormSubmission=False`
(a Twisted option since 22.10) skips that parse; Django then parses the body once and answers as the API does.

Usage: the same arguments as daphne:  python scripts/daphne_raw_bodies.py -b 127.0.0.1 -p 8000 config.asgi:application
"""
from daphne import http_protocol
from daphne.cli import CommandLineInterface

_init = http_protocol.WebRequest.__init__


def _without_form_parsing(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self._parsePOSTFormSubmission = False  # read by requestReceived, after __init__


http_protocol.WebRequest.__init__ = _without_form_parsing

if __name__ == "__main__":
    CommandLineInterface.entrypoint()

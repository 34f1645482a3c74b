from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every login that comes with a request.

    Logins from a web form or the token endpoint always carry the request.
    Calls without one (test clients' `login()`, management commands) are not
    network logins, have no address to count failures against, and pass on to
    the next backend instead of failing outright as axes' own backend would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

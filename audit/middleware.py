from .context import client_address


def get_client_address(request) -> str | None:
    # Production sits behind one reverse proxy that sets X-Forwarded-For (README, "Deploy");
    # the left-most address is the client as the proxy saw it.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class ClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(get_client_address(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)

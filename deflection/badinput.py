"""Refuses a request that carries a NUL byte anywhere a view could read it (SECURITY.md 17).

PostgreSQL text cannot hold NUL, so no real input ever contains one; letting it through
turned a typo'd or hostile URL into a 500 (the first write of the request, often the audit
record, failed). One check here covers the path, every query value and every form value.
"""

from django.http import HttpResponseBadRequest, JsonResponse

MESSAGE = "This request contains a NUL character, which is never valid input. Remove it and try again."


def _has_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in querydict.lists())


def _refuse(request):
    # API clients get the API's own error shape (a JSON body naming the input at fault), as documented
    # in its OpenAPI document; people get plain text.
    if request.path_info.startswith("/api/"):
        return JsonResponse({"errors": [{"field": "request", "reason": MESSAGE}]}, status=400)
    return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or _has_nul(request.GET):
            return _refuse(request)
        if request.method == "POST" and request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            if _has_nul(request.POST):
                return _refuse(request)
        return self.get_response(request)

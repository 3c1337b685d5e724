from rest_framework import exceptions, status


class PayloadTooLarge(exceptions.APIException):
    """A body over the limit; ``body`` is the answer (``core.request_size.too_large_body``)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"

    def __init__(self, body: dict) -> None:
        super().__init__(body["error"]["message"])
        self.body = body

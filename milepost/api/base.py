"""The base classes of every API view: DRF's, with ``Idempotency-Key`` honoured on POST.

Import ``APIView`` and ``GenericViewSet`` from here, never from ``rest_framework``:
``tests/api/test_idempotency.py`` walks the URL conf and fails for a POST view that does not.
"""

from __future__ import annotations

from rest_framework import views, viewsets

from .idempotency import Idempotent


class APIView(Idempotent, views.APIView):
    """``rest_framework.views.APIView`` with idempotent POSTs."""


class GenericViewSet(Idempotent, viewsets.GenericViewSet):
    """``rest_framework.viewsets.GenericViewSet`` with idempotent POSTs."""

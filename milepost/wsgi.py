"""WSGI entry point (gunicorn milepost.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "milepost.settings")
application = get_wsgi_application()

# What start-up loaded (Django, the apps, the URL map) lives as long as the process: move it out
# of the cyclic garbage collector's sight, and run the young generation less often, since every
# request makes thousands of short-lived objects. See docs/decisions.md, D21.
gc.collect()
gc.freeze()
gc.set_threshold(20_000, 20, 20)

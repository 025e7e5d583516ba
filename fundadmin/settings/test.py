import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES

ENVIRONMENT = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest storage needs collectstatic first; tests (and live_server) use the plain one.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Static files are found by the finders; no collectstatic needed for tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["*"]
AXES_FAILURE_LIMIT = 5

# Uploaded documents in tests go to a throw-away folder, never into the checkout.
import tempfile  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="fundadmin-test-media-"))

# Checkpoint signing key and the folder the signed copies go to: throw-away too.
_CHECKPOINTS = Path(tempfile.mkdtemp(prefix="fundadmin-test-checkpoints-"))
FUNDADMIN_CHECKPOINT_KEY_FILE = Path(os.environ.get("FUNDADMIN_CHECKPOINT_KEY", _CHECKPOINTS / "signing-key.pem"))
STORAGES = {
    **STORAGES,
    "checkpoints": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(_CHECKPOINTS / "store"), "file_permissions_mode": 0o444},
    },
}

from .base import *  # noqa: F403

ENVIRONMENT = "dev"
DEBUG = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

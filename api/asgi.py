"""The ASGI application uvicorn imports (`api.asgi:app`), built from the environment."""

from api.app import create_app
from core.logs import configure_logging
from core.settings import get_settings

# Each worker process imports this module: it sets up its own logging.
configure_logging(get_settings().log_level, json=get_settings().log_json)
app = create_app()

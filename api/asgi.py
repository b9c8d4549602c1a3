"""The ASGI application uvicorn imports (`api.asgi:app`), built from the environment."""

from api.app import create_app

app = create_app()

"""The web app: API, live WebSocket, pages. Built by ``create_app(settings)``."""

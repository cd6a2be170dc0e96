"""Public routes outside /api/ (signed or secret URLs, provider callbacks)."""

urlpatterns: list = []

from memos_service.cli import app

app()

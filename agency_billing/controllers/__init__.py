from . import sync_webhook

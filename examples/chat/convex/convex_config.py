"""The chat app's components: a sharded counter of messages per channel."""

from convex_test import define_app

app = define_app()
app.use("counter", modules="../components/counter")

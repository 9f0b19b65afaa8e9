"""The web layer: the Gradio chat page and ``POST /api/ask``, over a typed service interface.

``layout`` builds the page, ``handlers`` answers its events, ``api`` serves the JSON routes,
``validation`` checks every request (page and API) before any work, ``auth`` holds the staff
login, ``rendering`` turns answers into HTML, ``feedback`` stores ratings and unanswered
questions, ``ratelimit`` limits clients, and ``service`` says what the web needs from the
assistant. ``app.py`` assembles them.
"""

import os

# Before gradio is imported anywhere in the package: Gradio otherwise looks up outside hosts.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

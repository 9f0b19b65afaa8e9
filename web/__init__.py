"""The web layer: the Gradio chat page and ``POST /api/ask``, over a typed service interface.

``layout`` builds the page (``staff_tabs`` the staff tabs, ``theme`` its colours, ``assets``
its stylesheet and script), ``handlers`` answers its events (``staff`` the staff tools), ``api``
serves the JSON routes, ``sources`` the indexed PDFs and the links to originals, ``page_html``
makes the served page Norwegian, ``validation`` checks every request (page and API) before any
work, ``auth`` holds the staff login, ``rendering`` turns answers into HTML (with ``markup``,
``citations``, ``cards``, ``tables``, ``charts``, ``refusal``; ``panels`` and ``content`` the
panels and words around the chat), ``feedback`` stores ratings and unanswered questions,
``ratelimit`` limits clients, and ``service`` says what the web needs from the assistant.
``app.py`` assembles them.
"""

import os

# Before gradio is imported anywhere in the package: Gradio otherwise looks up outside hosts.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

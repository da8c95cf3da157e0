"""The web pages: the dispatcher console, the technician app and the customer portal, server-rendered
(Jinja2 + HTMX) over the same services and actions as the JSON API."""

"""The work staff do on the plans: task lists, exports, the instance folder, and the
wording of what goes wrong with them.

Between the read-only knowledge (``kb``, ``index``) and the front ends (``webapp``,
the ``plankb`` CLI): both front ends use this package and nothing here imports them,
so the CLI never pulls in Flask and the web app never reaches into the CLI.
"""

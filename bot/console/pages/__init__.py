"""The console's pages, one module each (found by walking this package).

A page module defines ``pages = Pages("<name>", flow=..., order=...)`` and declares each
route with the roles that may use it (``@pages.get(path, roles=allow("staff"), nav=True)``,
``@pages.post(path, roles=...)``); :mod:`bot.console.access` has the whole contract and
:mod:`bot.console.web` the helpers (render, work, audit, redirect).
"""

"""The flows: one module (or package) per resident-facing capability.

Nothing here lists them: :func:`bot.dialogue.registry.load_flows` imports every module of
this package and collects the ``flow`` each declares (see :mod:`bot.dialogue.flow`).
"""

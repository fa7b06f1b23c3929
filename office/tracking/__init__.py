"""Tracking a plan to its end: actual values by year, their status, the evaluation report.

Kept apart from the storage engine so it can be swapped: ``rules`` judges one goal
against its yearly values (pure), ``measures`` turns a plan's indicator tables and the
targets in its text into goals, ``actuals`` is the one module that stores values, and
``status`` joins the three into the ``plankb actuals --json`` contract. The template,
the report and its charts read only what ``status`` returns.
"""

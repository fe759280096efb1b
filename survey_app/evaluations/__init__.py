"""My evaluations (评议): evaluator accounts and outside assessors fill their assignments.

``views`` holds the pages (blueprint ``evaluations``), ``queries`` the reads and
``operations`` the writes. The answering form is :mod:`survey_app.answering`, shared with
the member survey.
"""

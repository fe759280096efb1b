"""Performance assessment (绩效考核): inputs by upper unions, results, export.

The scoring itself is :mod:`analysis.assessment` (pure pandas) under a scheme from
:mod:`questionnaires.assessment`; this package stores inputs and results and shows them.
``views`` holds the pages (blueprint ``assessment``), ``forms`` the forms, ``operations`` the
writes and ``queries`` the reads.
"""

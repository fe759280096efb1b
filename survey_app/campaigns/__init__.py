"""Multi-party evaluation (评议): campaigns, who rates whom, the lifecycle, my evaluations.

``operations`` writes, ``queries`` reads, ``rules`` holds the assignment rules (pure functions),
``views`` the pages (blueprint ``campaigns``).
"""

"""Multi-party evaluation (评议): campaigns, who rates whom, the lifecycle, my evaluations.

``operations`` writes, ``util`` reads, ``rules`` holds the assignment rules (pure functions),
``views`` the pages (blueprint ``campaigns``).
"""

from survey_app.campaigns.views import bp

__all__ = ["bp"]

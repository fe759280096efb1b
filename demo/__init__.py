"""Demo data: a fictional city federation (东湖市) with its tree, accounts, campaigns,
answers and assessment, for trying Pingjia and for the tests. Never loaded in production.

- :mod:`demo.organisations`: the tree and the demo accounts, and ``load_demo`` for all of it;
- :mod:`demo.surveys`: the member campaigns and their synthetic answers;
- :mod:`demo.campaigns`: the multi-party campaigns (cross, peer, four-party, third-party);
- :mod:`demo.assessment`: the objective inputs and the computed assessment;
- :mod:`demo.cli`: ``flask --app survey_app demo load``, which refuses to run in production.

Synthetic answers come from :mod:`analysis.synthetic`. Every code starts with ``DEMO-``.
"""

from demo.organisations import DEMO_USERS, DemoReport, load_demo

__all__ = ["DEMO_USERS", "DemoReport", "load_demo"]

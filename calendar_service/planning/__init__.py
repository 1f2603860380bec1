"""Coverage planning: the newsroom's accounts (``accounts``), login throttling
(``throttle``) and the coverages planned on occurrences with their history
(``coverage``), all in the shared database. After ``feeds/`` and before
``alerts/`` (the digest and assignment mails read coverages) and ``web/``."""

"""``python -m motionctl``: the same command line as the ``motionctl`` script."""

from .runner.cli import entry

entry()

"""``python -m motionctl``: the same command line as the ``motionctl`` script."""

from motionctl.runner.cli import entry

entry()

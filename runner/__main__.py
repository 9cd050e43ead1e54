from motionctl.runner.cli import entry

entry()

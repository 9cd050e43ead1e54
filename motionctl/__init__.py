"""motionctl: declarative YAML recipes that turn still images into motion-controlled MP4 clips.

Everything the distribution installs lives under this one name: ``motionctl.runner`` (the recipe runner and
its API client), ``motionctl.mock_server`` (the bundled mock of the Nemo API and its renderer) and
``motionctl.specs`` (the contracts as data). In the repository those are the top-level folders runner/,
mock_server/ and specs/; the links beside this file give them their installed names. This module imports
neither, so both can use its small shared helpers (``motionctl.units``); ``python -m motionctl`` runs the CLI.
"""

"""motionctl: declarative YAML recipes that turn still images into motion-controlled MP4 clips.

``python -m motionctl`` runs the command line. The library lives in ``runner`` (and the mock in
``mock_server``) until the import namespace moves under ``motionctl.``; this package stays light, importing
neither, so both can use its small shared helpers (``motionctl.units``).
"""

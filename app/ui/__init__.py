"""The Qt desktop GUI.  The only package that imports Qt (through :mod:`app.ui.qt`)."""

"""Where frames come from: the ``Source`` protocol and its simulator and file-replay implementations."""
